import { z } from 'zod';

const blockActionBody = z.object({
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  trigger_id: z.string().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(100).optional() })).min(1),
});

/** The parts of a block_actions payload the button handlers use. */
export interface ClickPayload {
  userId: string;
  channelId: string;
  value: string;
  triggerId?: string;
}

/** Parses a block_actions body; undefined when it lacks the user, channel or value. */
export function parseClick(body: unknown): ClickPayload | undefined {
  const parsed = blockActionBody.safeParse(body);
  if (!parsed.success) return undefined;
  const b = parsed.data;
  const channelId = b.channel?.id ?? b.container?.channel_id;
  const value = b.actions[0]?.value;
  if (!channelId || !value) return undefined;
  return { userId: b.user.id, channelId, value, triggerId: b.trigger_id };
}

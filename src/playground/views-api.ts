import { z } from 'zod';
import type { Json } from './channel.js';
import { modalView } from './modals.js';
import { viewObject } from './slack-objects.js';
import type { Workspace } from './workspace.js';

/** A views.* answer. */
export type ViewsReply = { ok: true; [field: string]: Json } | { ok: false; error: string };

const openArgs = z.object({ trigger_id: z.string().min(1), view: modalView });
const updateArgs = z.object({
  view: modalView,
  view_id: z.string().optional(),
  external_id: z.string().optional(),
  hash: z.string().optional(),
});

/** views.open and views.update: the modals the bot shows people, opened only with a fresh trigger_id. */
export function callViewsApi(
  ws: Workspace,
  method: 'views.open' | 'views.update',
  fields: Record<string, unknown>,
): ViewsReply {
  if (method === 'views.open') {
    const args = openArgs.safeParse(fields);
    if (!args.success)
      return {
        ok: false,
        error: args.error.issues[0]?.path[0] === 'trigger_id' ? 'invalid_trigger_id' : 'invalid_arguments',
      };
    const trigger = ws.triggers.exchange(args.data.trigger_id);
    if ('error' in trigger) return { ok: false, error: trigger.error };
    const modal = ws.modals.open(trigger.userId, args.data.view);
    return { ok: true, view: viewObject(ws, modal) };
  }
  const args = updateArgs.safeParse(fields);
  if (!args.success) return { ok: false, error: 'invalid_arguments' };
  const modal = ws.modals.find({ viewId: args.data.view_id, externalId: args.data.external_id });
  if (!modal) return { ok: false, error: 'not_found' };
  if (args.data.hash !== undefined && args.data.hash !== modal.hash) return { ok: false, error: 'hash_conflict' };
  const updated = ws.modals.update(modal.id, args.data.view);
  return updated ? { ok: true, view: viewObject(ws, updated) } : { ok: false, error: 'not_found' };
}

import { newTriggerId } from './slack-signature.js';

/** A trigger_id lives 3 s and opens one view, as in Slack. */
const lifetimeMs = 3000;

/** Why a trigger_id can't open a view, in Slack's words. */
export type TriggerError = 'invalid_trigger_id' | 'expired_trigger_id' | 'exchanged_trigger_id';

/** The trigger_ids handed to the bot with commands and clicks: who acted, and whether the id was used. */
export class Triggers {
  private readonly issued = new Map<string, { userId: string; expiresAt: number; used: boolean }>();

  /** Mints a trigger_id for an action of `userId`. */
  issue(userId: string): string {
    const now = Date.now();
    for (const [id, t] of this.issued) if (t.expiresAt + 60_000 < now) this.issued.delete(id);
    const id = newTriggerId();
    this.issued.set(id, { userId, expiresAt: now + lifetimeMs, used: false });
    return id;
  }

  /** Uses a trigger_id to open a view; says whose it was, or why it can't be used. */
  exchange(triggerId: string): { userId: string } | { error: TriggerError } {
    const trigger = this.issued.get(triggerId);
    if (!trigger) return { error: 'invalid_trigger_id' };
    if (trigger.used) return { error: 'exchanged_trigger_id' };
    if (trigger.expiresAt < Date.now()) return { error: 'expired_trigger_id' };
    trigger.used = true;
    return { userId: trigger.userId };
  }
}

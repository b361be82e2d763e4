import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { withGeneratedIds } from './block-ids.js';
import { type JsonObject, jsonValue } from './channel.js';

const plainText = z.object({ type: z.literal('plain_text'), text: z.string().min(1), emoji: z.boolean().optional() });

/** A modal view as views.open and views.update accept it (Slack's limits: title 24, blocks 100, metadata 3000). */
export const modalView = z.object({
  type: z.literal('modal'),
  title: plainText.extend({ text: z.string().min(1).max(24) }),
  blocks: z.array(z.record(z.string(), jsonValue)).max(100),
  callback_id: z.string().max(255).optional(),
  private_metadata: z.string().max(3000).optional(),
  submit: plainText.optional(),
  close: plainText.optional(),
  external_id: z.string().max(255).optional(),
  clear_on_close: z.boolean().optional(),
  notify_on_close: z.boolean().optional(),
});

/** A modal view as sent by the bot. */
export type ModalView = z.infer<typeof modalView>;

/** A modal open on one user's screen. */
export interface OpenModal {
  id: string;
  userId: string;
  view: ModalView;
  /** Blocks as stored, with the ids Slack fills in. */
  blocks: JsonObject[];
  /** Changes on every update; views.update with an older hash fails with hash_conflict. */
  hash: string;
}

/** What changed for a user's screen. */
export type ModalChange = { kind: 'open'; modal: OpenModal } | { kind: 'close'; modal: OpenModal };

const newHash = () => `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`;

/** The modals open in the playground (one per user, as on one Slack screen), announced to that user's pages. */
export class Modals {
  private readonly byId = new Map<string, OpenModal>();
  private readonly listeners = new Set<(change: ModalChange) => void>();

  /** Calls `listener` when a modal opens, changes or closes; returns the unsubscribe function. */
  onChange(listener: (change: ModalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: ModalChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Opens a modal for `userId`, replacing any they had open. */
  open(userId: string, view: ModalView): OpenModal {
    for (const m of this.byId.values()) if (m.userId === userId) this.close(m.id);
    const modal: OpenModal = {
      id: `V${randomBytes(5).toString('hex').toUpperCase()}`,
      userId,
      view,
      blocks: withGeneratedIds(view.blocks),
      hash: newHash(),
    };
    this.byId.set(modal.id, modal);
    this.emit({ kind: 'open', modal });
    return modal;
  }

  /** Replaces an open modal's view in place. */
  update(id: string, view: ModalView): OpenModal | undefined {
    const modal = this.byId.get(id);
    if (!modal) return undefined;
    modal.view = view;
    modal.blocks = withGeneratedIds(view.blocks);
    modal.hash = newHash();
    this.emit({ kind: 'open', modal });
    return modal;
  }

  /** Closes a modal. */
  close(id: string): void {
    const modal = this.byId.get(id);
    if (!modal) return;
    this.byId.delete(id);
    this.emit({ kind: 'close', modal });
  }

  /** An open modal by view id or by the bot's external_id. */
  find(ref: { viewId?: string; externalId?: string }): OpenModal | undefined {
    if (ref.viewId !== undefined) return this.byId.get(ref.viewId);
    return [...this.byId.values()].find((m) => ref.externalId !== undefined && m.view.external_id === ref.externalId);
  }

  /** The modal open on `userId`'s screen, if any. */
  openFor(userId: string): OpenModal | undefined {
    return [...this.byId.values()].find((m) => m.userId === userId);
  }
}

import { z } from 'zod';

const view = z.object({ ts: z.string(), threadTs: z.string().optional(), html: z.string() });
const liveEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reset'), messages: z.array(view) }),
  z.object({ type: z.literal('upsert'), message: view }),
  z.object({ type: z.literal('remove'), ts: z.string() }),
  z.object({ type: z.literal('modal'), view: z.object({ id: z.string(), html: z.string() }) }),
  z.object({ type: z.literal('modal-close'), id: z.string() }),
]);

/** A message as one page sees it. */
export type PageMessage = z.infer<typeof view>;

/** A page's view of the channel for one user, kept live from `/ui/events`, and the page's actions. */
export interface PageClient {
  /** Messages this user's page shows right now, by ts. */
  readonly messages: Map<string, PageMessage>;
  /** The app's modal open on this user's page, if any. */
  modal(): { id: string; html: string } | undefined;
  /** Resolves once `predicate` holds for the page's state (checked on every event); rejects after `timeoutMs`. */
  until(predicate: () => boolean, description: string, timeoutMs?: number): Promise<void>;
  /** Submits the open modal with these field values (block_id → action_id → text). */
  submitView(
    viewId: string,
    values: Record<string, Record<string, string>>,
  ): Promise<{ status: number; body: unknown }>;
  /** Resolves with the first message (now or later) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (m: PageMessage) => boolean, description: string, timeoutMs?: number): Promise<PageMessage>;
  /** Types a slash command in the composer. */
  command(text: string, threadTs?: string): Promise<{ status: number; body: unknown }>;
  /** Types a plain message. */
  say(text: string, threadTs?: string): Promise<{ status: number; body: unknown }>;
  /** Clicks a button of a message (after any confirm dialog). */
  click(messageTs: string, blockId: string, actionId: string): Promise<{ status: number; body: unknown }>;
  close(): void;
}

/** Opens the playground page's live stream as `user`, the way playground.js does. */
export async function openPage(baseUrl: string, user: string): Promise<PageClient> {
  const messages = new Map<string, PageMessage>();
  let modal: { id: string; html: string } | undefined;
  const waiters = new Set<() => void>();
  const abort = new AbortController();
  const response = await fetch(new URL(`/ui/events?user=${encodeURIComponent(user)}`, baseUrl), {
    signal: abort.signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`event stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let gotReset: () => void = () => {};
  const reset = new Promise<void>((resolve) => {
    gotReset = resolve;
  });

  const apply = (data: string) => {
    const event = liveEvent.parse(JSON.parse(data));
    if (event.type === 'reset') {
      messages.clear();
      for (const m of event.messages) messages.set(m.ts, m);
      gotReset();
    } else if (event.type === 'upsert') {
      messages.set(event.message.ts, event.message);
    } else if (event.type === 'remove') {
      messages.delete(event.ts);
    } else if (event.type === 'modal') {
      modal = event.view;
    } else if (modal?.id === event.id) {
      modal = undefined;
    }
    for (const wake of waiters) wake();
  };
  void (async () => {
    let buffer = '';
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      buffer += chunk.value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of frame.split('\n')) if (line.startsWith('data: ')) apply(line.slice(6));
        end = buffer.indexOf('\n\n');
      }
    }
  })();
  await reset;

  const post = async (path: string, body: Record<string, unknown>) => {
    const res = await fetch(new URL(path, baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, ...body }),
    });
    return { status: res.status, body: await res.json() };
  };

  return {
    messages,
    modal: () => modal,
    until(predicate, description, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`page of ${user}: ${description} did not happen within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    submitView: (viewId, values) => post('/ui/view-submit', { viewId, values }),
    waitFor(predicate, description, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = [...messages.values()].find(predicate);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = [...messages.values()].map((m) =>
            m.html
              .replace(/<[^>]+>/g, ' ')
              .replace(/\s+/g, ' ')
              .slice(0, 120),
          );
          reject(
            new Error(`page of ${user}: no ${description} within ${timeoutMs} ms; it shows: ${JSON.stringify(seen)}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    command: (text, threadTs) => post('/ui/command', { text, threadTs }),
    say: (text, threadTs) => post('/ui/message', { text, threadTs }),
    click: (messageTs, blockId, actionId) => post('/ui/action', { messageTs, blockId, actionId }),
    close: () => abort.abort(),
  };
}

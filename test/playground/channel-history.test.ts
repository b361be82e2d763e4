import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { keptMessagesPerChannel } from '../../src/playground/channel-history.js';
import { type Playground, startPlayground } from '../../src/playground/server.js';
import { openStoreDb, type StoreDb } from '../../src/store/db.js';
import { migrateStore } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';
import { channel, secrets, users } from './fixtures.js';
import { openPage, type PageMessage } from './page-client.js';

describe('the playground channel, kept in the store across a restart', () => {
  let database: TestDatabase;
  let db: StoreDb;
  const running = new Set<Playground>();

  beforeAll(async () => {
    database = await createTestDatabase('playground_history');
    db = openStoreDb(database.url, 'thermaliq');
    await migrateStore(db);
  });
  afterAll(async () => {
    for (const p of running) await p.close();
    await db?.close();
    await database?.drop();
  });

  async function start(channelId: string = channel.id): Promise<{ playground: Playground; bot: WebClient }> {
    const playground = await startPlayground({
      port: 0,
      ...secrets,
      channel: { id: channelId, name: 'ops' },
      users: Object.values(users),
      history: db.pool,
      log: createLogger('silent'),
    });
    running.add(playground);
    const bot = new WebClient(secrets.botToken, {
      slackApiUrl: playground.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    return { playground, bot };
  }

  async function stop(playground: Playground): Promise<void> {
    await playground.close();
    running.delete(playground);
  }

  /** What a freshly opened page shows the user, oldest first. */
  async function pageOf(playground: Playground, userId: string): Promise<PageMessage[]> {
    const page = await openPage(playground.url, userId);
    page.close();
    return [...page.messages.values()];
  }

  it('shows the messages again after a restart: edits, thread replies and people’s messages; not ephemerals', async () => {
    const first = await start();
    const root = await first.bot.chat.postMessage({ channel: channel.id, text: 'Running health :hourglass:' });
    const rootTs = root.ts ?? '';
    await first.bot.chat.update({ channel: channel.id, ts: rootTs, text: 'Health report: all green' });
    await first.bot.chat.postMessage({ channel: channel.id, thread_ts: rootTs, text: 'Details: 5 checks ok' });
    await first.bot.chat.postEphemeral({
      channel: channel.id,
      user: users.viewer.id,
      text: 'Started health (private)',
    });
    const gone = await first.bot.chat.postMessage({ channel: channel.id, text: 'deleted before the restart' });
    await first.bot.chat.delete({ channel: channel.id, ts: gone.ts ?? '' });
    const operator = await openPage(first.playground.url, users.operator.id);
    await operator.say('Looks good to me');
    await operator.waitFor((m) => m.html.includes('Looks good to me'), 'the operator’s message');
    operator.close();
    const before = await pageOf(first.playground, users.viewer.id);
    await stop(first.playground);

    const second = await start();
    const after = await pageOf(second.playground, users.viewer.id);
    // What the viewer saw, minus the ephemeral (Slack does not keep those across a reload either).
    expect(after).toEqual(before.filter((m) => !m.html.includes('Started health (private)')));
    expect(after.map((m) => [m.threadTs, m.html.includes('edited')])).toEqual([
      [undefined, true],
      [rootTs, false],
      [undefined, false],
    ]);
    const texts = after.map((m) => m.html);
    expect(texts[0]).toContain('Health report: all green');
    expect(texts[0]).toContain('1 reply');
    expect(texts[1]).toContain('Details: 5 checks ok');
    expect(texts.join('\n')).not.toContain('deleted before the restart');
    expect(texts.join('\n')).not.toContain('Running health');

    // The restored messages are messages like any: updatable, and newer ones come after them.
    const edited = await second.bot.chat.update({ channel: channel.id, ts: rootTs, text: 'Health report: re-run' });
    expect(edited.ok).toBe(true);
    const next = await second.bot.chat.postMessage({ channel: channel.id, text: 'after the restart' });
    expect(Number(next.ts)).toBeGreaterThan(Math.max(...after.map((m) => Number(m.ts))));
    await stop(second.playground);

    const third = await start();
    const latest = await pageOf(third.playground, users.viewer.id);
    expect(latest.map((m) => m.html).join('\n')).toContain('Health report: re-run');
    expect(latest.at(-1)?.html).toContain('after the restart');
    await stop(third.playground);
  });

  it(`keeps the newest ${keptMessagesPerChannel} messages of a channel`, async () => {
    const channelId = 'CBOUNDED1';
    const first = await start(channelId);
    const extra = 5;
    for (let i = 0; i < keptMessagesPerChannel + extra; i++) {
      await first.bot.chat.postMessage({ channel: channelId, text: `message number ${i}.` });
    }
    await stop(first.playground);
    const { rows } = await db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM playground_messages WHERE channel_id = $1',
      [channelId],
    );
    expect(Number(rows[0]?.n)).toBe(keptMessagesPerChannel);

    const second = await start(channelId);
    const shown = (await pageOf(second.playground, users.viewer.id)).map(
      (m) => /message number (\d+)\./.exec(m.html)?.[1],
    );
    expect(shown).toEqual(Array.from({ length: keptMessagesPerChannel }, (_, i) => String(i + extra)));
    await stop(second.playground);
  });
});

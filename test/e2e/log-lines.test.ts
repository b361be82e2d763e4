import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, captureLog, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';

/** Keys that appear twice in one object of a JSON text (JSON.parse keeps the last one silently). */
function duplicateKeys(json: string): string[] {
  const found: string[] = [];
  const objects: (Set<string> | undefined)[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{') objects.push(new Set());
    else if (c === '[') objects.push(undefined);
    else if (c === '}' || c === ']') objects.pop();
    else if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const text = json.slice(i, end + 1);
      let next = end + 1;
      while (json[next] === ' ') next++;
      const keys = objects.at(-1);
      if (json[next] === ':' && keys) {
        const key = JSON.parse(text) as string;
        if (keys.has(key)) found.push(key);
        keys.add(key);
      }
      i = end;
    }
  }
  return found;
}

describe('what the process logs', () => {
  let world: World;
  let bot: Bot;
  const log = captureLog();

  beforeAll(async () => {
    world = await createWorld();
    bot = await startBot(world, { logTo: log.stream });
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('is one JSON object per line, with no key twice, the Slack libraries included', async () => {
    await bot.finalMessage(runIdOf(await bot.command('health', { user: people.viewer })));
    // Slack fails a call: what the Web API client and the outbox say of it is in our log, not plain text on a console.
    world.slack.failNext('chat.postMessage', { status: 503 });
    await bot.finalMessage(runIdOf(await bot.command('pods', { user: people.viewer })));

    const lines = log
      .text()
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      const parsed: unknown = JSON.parse(line);
      expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), line).toBe(true);
      expect(duplicateKeys(line), line).toEqual([]);
    }
    const libraries = new Set(lines.map((l) => (JSON.parse(l) as { library?: string }).library));
    expect(libraries).toContain('bolt');
    expect(libraries).toContain('web-api');
    // The failed post is in the log as JSON too (the outbox retries it).
    expect(lines.some((l) => l.includes('"component":"outbox"') && l.includes('"level":"warn"'))).toBe(true);
  });

  it('finds a repeated key (the check itself)', () => {
    expect(duplicateKeys('{"component":"bot","component":"bolt","a":{"b":1,"c":[{"b":2}]}}')).toEqual(['component']);
    expect(duplicateKeys('{"msg":"a \\"b\\": c","b":1}')).toEqual([]);
  });
});

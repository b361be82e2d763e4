import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';
import { guideDumpKinds, makeGuideDump } from '../runbooks/guide-dumps.js';
import { damageGuideTables, seedGuideTables } from '../runbooks/guide-tables.js';

type Reply = { text?: string; blocks?: unknown[] };
const text = (r: { json?: unknown }) => JSON.stringify((r.json as Reply).blocks ?? (r.json as Reply).text);

/**
 * A restore where no Kubernetes deployment is configured skips its scale steps. The report and `run <id>` read the
 * same stored outcome: skipped, with the reason, never "succeeded".
 */
describe('a skipped step is one stored outcome, in the report and in run <id>', () => {
  let world: World;
  let bot: Bot;
  let runId: string;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      production(cfg).kubernetes = undefined;
    });
    await seedGuideTables(world.target.url);
    const dump = guideDumpKinds[0];
    if (!dump) throw new Error('no guide dump kinds');
    const key = `${world.backupPrefix}${dump.file}`;
    await world.s3.putObject(world.s3.bucket, key, await makeGuideDump(world.target.url, dump.command));
    await damageGuideTables(world.target.url);
    bot = await startBot(world);
    runId = runIdOf(await bot.command(`restore ${key}`, { user: people.operator }));
    const { approvalId } = await bot.approvalMessage(runId, { timeoutMs: 60_000 });
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await bot.finalMessage(runId, 90_000);
  }, 180_000);
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('records the scale steps as skipped with their reason', async () => {
    const steps = await bot.query<{ name: string; status: string; reason: string | null }>(
      `SELECT name, status, reason FROM run_steps WHERE run_id = $1 AND name IN ('scale-down', 'scale-up') ORDER BY ordinal`,
      [runId],
    );
    const reason =
      'no Kubernetes deployment is configured for production (services.thermaliq.environments.production.kubernetes), so nothing is scaled down or up';
    expect(steps).toEqual([
      { name: 'scale-down', status: 'skipped', reason },
      { name: 'scale-up', status: 'skipped', reason },
    ]);
    const [cutover] = await bot.query<{ status: string; reason: string | null }>(
      `SELECT status, reason FROM run_steps WHERE run_id = $1 AND name = 'cutover'`,
      [runId],
    );
    expect(cutover).toEqual({ status: 'succeeded', reason: null });
  });

  it('shows them skipped, with why, in run <id> as the report does', async () => {
    const detail = text(await bot.command(`run ${runId}`, { user: people.viewer }));
    expect(detail).toMatch(
      /scale-down: skipped: no Kubernetes deployment is configured for production .*? · [\d.]+ (ms|s)/,
    );
    expect(detail).toMatch(/scale-up: skipped: no Kubernetes deployment is configured for production/);
    expect(detail).not.toContain('scale-down: succeeded');
    expect(detail).not.toContain('scale-up: succeeded');
    // The report, in the same reply, says skipped for the same steps.
    expect(detail).toContain(':white_circle: Scale down');
    expect(detail).toMatch(/cutover: succeeded/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/jobs/report.js';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';
import { uniquePrefix } from '../support/services.js';

// Issue 13, item 10: a first `health` on a fresh machine showed a red "No backups" line with no hint. The line says
// how to make the first backup, with the service's own slash command from the config.

describe('health on a machine with no backup yet', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      const svc = cfg.services.thermaliq;
      if (!svc) throw new Error('no service');
      svc.command = '/gl009';
      const prod = production(cfg);
      if (!prod.backups) throw new Error('no backups block');
      // A prefix nothing was ever written under, as on a fresh machine.
      svc.environments.staging = {
        ...prod,
        backups: { ...prod.backups, prefix: `thermaliq/${uniquePrefix('fresh')}/` },
      };
    });
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('says "no backup yet: try `/gl009 backup now`" on the backup line, in red', async () => {
    const reply = await bot.command('health --env staging', { user: people.viewer, command: '/gl009' });
    expect(reply.status).toBe(200);
    const runId = runIdOf(reply);
    const final = await bot.finalMessage(runId);
    const text = JSON.stringify(final.blocks);
    expect(text).toContain(':red_circle: *Backup age* — no backup yet: try `/gl009 backup now`');
    expect(text).not.toContain('No backups');
    const [row] = await bot.query<{ report: RunReport }>('SELECT report FROM runs WHERE id = $1', [runId]);
    expect(row?.report.items.find((i) => i.id === 'backup-age')).toMatchObject({ status: 'fail', value: 'none' });
  });
});

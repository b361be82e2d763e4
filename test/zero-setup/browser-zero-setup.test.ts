import { mkdir } from 'node:fs/promises';
import pg from 'pg';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../playground/browser.js';
import { waitUntil } from '../support/services.js';
import { type BotProcess, freshDataDir, postgresProcessesOn, removeDataDir, startBotProcess } from './bot-process.js';

/** Every wait is on page or process state, bounded. The machine may be busy, so the bounds are generous. */
const waitMs = 90_000;

/** The people the playground generates when the ops config lists nobody by id (config/ops.yml). */
const people = { viewer: 'UPLAYVIEW1', operator: 'UPLAYOPER1', approver: 'UPLAYAPPR1' } as const;

/** Where the screenshot goes; docs/playground.png (the README's first image) is copied from it. */
const screenshotPath = 'test-results/playground-zero-setup.png';

async function actAs(page: Page, userId: string): Promise<void> {
  await page.selectOption('#user-select', userId);
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: waitMs });
}

async function type(page: Page, text: string): Promise<void> {
  await page.locator('#composer-input').fill(text);
  await page.locator('#composer-input').press('Enter');
}

/** A message's text as shown, line by line: mrkdwn line breaks are <br>, which textContent would drop. */
async function renderedLines(message: Locator): Promise<string[]> {
  return (await message.allInnerTexts()).join('\n').split('\n');
}

/** Runs SQL on the demo database with a short-lived connection. */
async function demoSql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of the demo tables in key order, as JSON text: equal snapshots mean equal data. */
async function snapshotDemo(url: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['tenants', 'energy_readings', 'calculations']) {
    const rows = await demoSql<{ data: string | null }>(
      url,
      `SELECT coalesce(json_agg(t ORDER BY t.id)::text, '[]') AS data FROM public.${table} t`,
    );
    out[table] = rows[0]?.data ?? '(missing)';
  }
  return out;
}

describe('zero setup: the README command on a clean data dir, used from the playground in chromium', () => {
  let browser: TestBrowser | undefined;
  let bot: BotProcess | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (bot) {
      bot.kill('SIGKILL');
      await bot.exited().catch(() => {});
    }
    if (dataDir) {
      const dir = dataDir;
      for (const pid of postgresProcessesOn(dir)) process.kill(pid, 'SIGINT');
      await waitUntil(() => postgresProcessesOn(dir).length === 0, { timeoutMs: 30_000 }).catch(() => {});
      removeDataDir(dir);
    }
  });

  it('health, backup now, restore approved by a second person, data restored; a clean stop; the channel again after a restart', {
    timeout: 600_000,
  }, async () => {
    if (!browser) throw new Error('chromium did not start');
    // (1) The embedded default from a clean data dir: nothing configured at all.
    dataDir = freshDataDir();
    const dir = dataDir;
    const started = startBotProcess(dir);
    bot = started;
    const { playgroundUrl } = await started.started(waitMs);
    expect(started.stdout()).toContain('No Slack credentials are set');
    const demoUrl = started.databaseUrl('thermaliq_demo');

    const page = await browser.newPage();
    await page.goto(`${playgroundUrl}?user=${people.viewer}`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: waitMs });

    // (2) Health: Kubernetes and Prometheus are not configured, so they are skipped with a hint, never failed.
    await type(page, '/thermaliq health');
    const health = page.locator('#messages > .msg-bot', { hasText: 'health · GL-009 THERMALIQ' });
    await health.locator('button.replies').waitFor({ timeout: waitMs });
    expect(await health.locator('.header').textContent()).not.toContain('🔄');
    const healthLines = await renderedLines(health);
    const kube = healthLines.filter((l) => l.includes('Kubernetes not configured'));
    const prometheus = healthLines.filter((l) => l.includes('Prometheus not configured'));
    expect(kube.length).toBeGreaterThanOrEqual(1);
    expect(prometheus.length).toBeGreaterThanOrEqual(1);
    for (const line of [...kube, ...prometheus]) {
      // ⚪ is :white_circle:, the skipped status; the hint names the ops-config key to set.
      expect(line).toMatch(/^⚪ /);
      expect(line).toMatch(
        /not configured: set services\.thermaliq\.environments\.production\.(kubernetes|prometheus\.url)/,
      );
    }
    const mentions = healthLines.filter((l) => /kubernetes|prometheus/i.test(l));
    expect(mentions.filter((l) => /^(🔴|⚠️|❌)/.test(l))).toEqual([]);
    // Nothing is backed up yet on a fresh machine: the red backup line says how to make the first one.
    expect(healthLines.find((l) => l.includes('Backup age'))).toMatch(
      /^🔴 Backup age — no backup yet: try \/thermaliq backup now /,
    );

    // (3) Backup now, as the operator.
    await actAs(page, people.operator);
    await type(page, '/thermaliq backup now');
    const backup = page.locator('#messages > .msg-bot', { hasText: 'Backed up thermaliq_demo' });
    await backup.waitFor({ timeout: waitMs });
    const backupText = (await backup.textContent()) ?? '';
    const key = /s3:\/\/greenlang-backups\/(thermaliq\/production\/thermaliq_demo-\d{8}-\d{6}\.sql\.gz)/.exec(
      backupText,
    )?.[1];
    if (!key) throw new Error(`no backup key in the report: ${backupText}`);

    // Change the demo data behind the bot's back: one tenant and everything of theirs goes.
    const before = await snapshotDemo(demoUrl);
    await demoSql(
      demoUrl,
      `DELETE FROM calculations WHERE tenant_id = 3; DELETE FROM energy_readings WHERE tenant_id = 3;
       DELETE FROM tenants WHERE id = 3; UPDATE tenants SET name = 'renamed' WHERE id = 1;`,
    );
    expect(await snapshotDemo(demoUrl)).not.toEqual(before);

    // Request the restore as the operator: the plan, with its buttons, says nothing is scaled and why.
    await type(page, `/thermaliq restore ${key}`);
    const approval = page.locator('#messages > .msg-bot', { hasText: 'Approval needed' }).last();
    const approve = approval.locator('button.btn-primary', { hasText: 'Approve' });
    await approve.waitFor({ timeout: waitMs });
    const plan = (await approval.textContent()) ?? '';
    expect(plan).toContain(key);
    expect(plan).toContain(
      'None configured (services.thermaliq.environments.production.kubernetes), so nothing is scaled',
    );
    expect(plan).toContain('Stop everything that writes to thermaliq_demo by other means before approving');

    // Approve as a second person, through the confirm dialog.
    await actAs(page, people.approver);
    await approve.waitFor({ timeout: waitMs });
    await approve.click();
    const dialog = page.locator('#confirm-dialog[open]');
    await dialog.waitFor({ timeout: waitMs });
    await dialog.locator('.confirm-accept').click();
    await dialog.waitFor({ state: 'hidden', timeout: waitMs });

    // The run finishes, its scale steps skipped with the reason, and the data is what the backup held.
    const restored = page.locator('#messages > .msg-bot', {
      hasText: `Restored GL-009 THERMALIQ (production) from ${key}`,
    });
    await restored.locator('button.replies').waitFor({ timeout: waitMs });
    const skipped = (await renderedLines(restored)).filter((l) => l.includes('skipped (no deployment configured)'));
    expect(skipped.map((l) => l.replace(/ —.*/, ''))).toEqual(['⚪ Scale down', '⚪ Scale up']);
    expect(await snapshotDemo(demoUrl)).toEqual(before);

    // (4) The screenshot the README opens with.
    await mkdir('test-results', { recursive: true });
    // Tall enough to show the approved plan above the restore's report.
    await page.setViewportSize({ width: 1360, height: 1500 });
    await page.screenshot({ path: screenshotPath });
    expect(browser.errors).toEqual([]);
    // What the channel shows, to compare after the restart: the health report (edited in place while it ran), the
    // decided approval (its buttons replaced in place) and the restore's report with its thread.
    const shown = {
      health: await renderedLines(health),
      approval: await renderedLines(approval),
      restored: await renderedLines(restored),
      replies: await restored.locator('button.replies').textContent(),
    };
    await page.close();

    // A clean stop: the process exits, and its PostgreSQL with it.
    started.kill('SIGTERM');
    expect(await started.exited(waitMs)).toEqual({ code: 0, signal: null });
    expect(postgresProcessesOn(dir)).toEqual([]);

    // (5) A restart on the same data dir: the channel shows what was there, as the run history does.
    const restarted = startBotProcess(dir);
    bot = restarted;
    const again = await restarted.started(waitMs);
    const later = await browser.newPage();
    await later.goto(`${again.playgroundUrl}?user=${people.viewer}`);
    await later.locator('#connection[data-state="live"]').waitFor({ timeout: waitMs });
    const healthAgain = later.locator('#messages > .msg-bot', { hasText: 'health · GL-009 THERMALIQ' });
    await healthAgain.locator('button.replies').waitFor({ timeout: waitMs });
    expect(await renderedLines(healthAgain)).toEqual(shown.health);
    const approvalAgain = later.locator('#messages > .msg-bot', { hasText: 'Approval needed' }).last();
    expect(await renderedLines(approvalAgain)).toEqual(shown.approval);
    const restoredAgain = later.locator('#messages > .msg-bot', { hasText: `Restored GL-009 THERMALIQ (production)` });
    expect(await renderedLines(restoredAgain)).toEqual(shown.restored);
    expect(await restoredAgain.locator('button.replies').textContent()).toBe(shown.replies);
    // The thread came back too.
    await restoredAgain.locator('button.replies').click();
    await later.locator('#thread #thread-messages .msg:not(.thread-root)').first().waitFor({ timeout: waitMs });
    expect(browser.errors).toEqual([]);
    await later.close();
    restarted.kill('SIGTERM');
    expect(await restarted.exited(waitMs)).toEqual({ code: 0, signal: null });
  });
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderApproval } from '../../src/bot/views/approval-message.js';
import type { Block, MessageBody } from '../../src/bot/views/blocks.js';
import { limits } from '../../src/bot/views/limits.js';
import { renderReportDetails, renderRunProgress, renderRunReport } from '../../src/bot/views/run-message.js';
import type { ProgressItem, RunRef, RunReport } from '../../src/jobs/report.js';

const goldenDir = join(import.meta.dirname, 'golden');

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it. */
function golden(name: string, body: unknown): void {
  const file = join(goldenDir, `${name}.json`);
  const text = `${JSON.stringify(body, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** Slack's limits, checked on every block. */
function expectWithinLimits(body: MessageBody): void {
  expect(body.blocks.length).toBeLessThanOrEqual(limits.blocksPerMessage);
  expect(body.text.length).toBeLessThanOrEqual(limits.fallbackText);
  let total = 0;
  for (const b of body.blocks as Block[]) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(limits.headerText);
    if (b.type === 'section') {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(limits.sectionText);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(limits.fieldsPerSection);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(limits.fieldText);
      total += (b.text?.text.length ?? 0) + (b.fields ?? []).reduce((n, f) => n + f.text.length, 0);
    }
    if (b.type === 'actions')
      for (const e of b.elements) expect(e.text.text.length).toBeLessThanOrEqual(limits.buttonText);
  }
  // msg_blocks_too_long hits around 13.2k characters even within the per-block limits.
  expect(total).toBeLessThanOrEqual(13_000);
}

const ref: RunRef = {
  runId: 'r-0123456789',
  runbook: 'db stats',
  service: 'thermaliq',
  serviceName: 'GL-009 THERMALIQ',
  environment: 'production',
  requestedBy: 'UVIEWER1',
  channelId: 'COPS0001',
  messageTs: '1700000000.000100',
};

const manyItems: ProgressItem[] = Array.from({ length: 400 }, (_, i) => ({
  id: `t${i}`,
  title: `public.energy_readings_partition_${i}`,
  status: i % 7 === 0 ? 'warn' : 'ok',
  value: `${i * 1000} dead tuples`,
  threshold: '> 20 % dead warns',
  summary: `table ${i} ${'x'.repeat(i % 50)}`,
}));

const bigReport: RunReport = {
  status: 'warn',
  headline: `Table statistics ${'with a very long headline '.repeat(200)}`,
  items: manyItems,
  details: [{ title: 'Every table', lines: manyItems.map((i) => `${i.title} ${'y'.repeat(5000)}`) }],
};

describe('Block Kit views stay within Slack limits (golden files)', () => {
  it('the live message with a small list', () => {
    const body = renderRunProgress(ref, manyItems.slice(0, 3));
    expectWithinLimits(body);
    golden('run-progress-small', body);
  });

  it('a report with 400 items and a 5,000-character headline', () => {
    const body = renderRunReport(ref, bigReport);
    expectWithinLimits(body);
    golden('run-report-huge', body);
  });

  it('thread details too long for one message are cut and marked for a file upload', () => {
    const rendered = renderReportDetails(bigReport);
    expect(rendered?.truncated).toBe(true);
    if (!rendered) throw new Error('no details');
    expectWithinLimits(rendered.body);
    golden('report-details-truncated', rendered.body);
  });

  it('an approval with 30 plan fields and long steps', () => {
    const body = renderApproval({
      approvalId: 'a-0123456789',
      run: { ...ref, runbook: 'restore' },
      plan: {
        summary: `Restore thermaliq_production from s3://greenlang-backups/${'k'.repeat(3000)}`,
        fields: Array.from({ length: 30 }, (_, i) => ({ label: `Field ${i}`, value: 'v'.repeat(2500) })),
        steps: Array.from({ length: 40 }, (_, i) => `Step ${i} ${'s'.repeat(400)}`),
        material: {},
      },
      status: 'pending',
      quorum: 2,
      approvers: ['UAPPROVER1'],
      expiresAt: new Date('2026-11-23T09:30:00Z'),
    });
    expectWithinLimits(body);
    golden('approval-huge', body);
  });

  describe("an approved request whose run ended says how, linked to the run's message", () => {
    const approved = {
      approvalId: 'a-0123456789',
      run: { ...ref, runbook: 'restore', requestedBy: 'UOPERATOR1' },
      plan: {
        summary: 'Restore thermaliq_production from s3://greenlang-backups/b.sql.gz',
        fields: [],
        steps: ['Restore'],
        material: {},
      },
      status: 'approved' as const,
      quorum: 1,
      approvers: ['UAPPROVER1'],
      expiresAt: new Date('2026-11-23T09:30:00Z'),
      decidedBy: 'UAPPROVER1',
      decidedAt: new Date('2026-11-23T09:05:00Z'),
    };
    const context = (body: MessageBody) => JSON.stringify(body.blocks.at(-1));

    it('succeeded: a permalink to the report built from the workspace URL, channel and ts', () => {
      const body = renderApproval(
        { ...approved, outcome: { status: 'succeeded', messageTs: '1700000123.000200' } },
        'https://acme.slack.com/',
      );
      expect(context(body)).toContain(
        "The run succeeded: <https://acme.slack.com/archives/COPS0001/p1700000123000200|see the run's message>.",
      );
      expect(context(body)).not.toContain('queued');
      expectWithinLimits(body);
      golden('approval-run-succeeded', body);
    });

    it('failed before it posted a message: where the detail is', () => {
      const body = renderApproval({ ...approved, outcome: { status: 'failed' } }, 'https://acme.slack.com/');
      expect(context(body)).toContain('The run failed; `run r-0123456789` has the detail.');
      expectWithinLimits(body);
      golden('approval-run-failed-without-message', body);
    });

    it('cancelled before it started, and by whom', () => {
      const body = renderApproval({ ...approved, outcome: { status: 'cancelled', by: 'UOPERATOR1' } });
      expect(context(body)).toContain('The run was cancelled by <@UOPERATOR1> before it started.');
      expectWithinLimits(body);
      golden('approval-run-cancelled-before-start', body);
    });
  });
});

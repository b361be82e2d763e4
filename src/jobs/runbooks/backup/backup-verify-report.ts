import { z } from 'zod';
import { ageOld, countOf } from '../../../format/words.js';
import { formatBytes, formatCount, formatHours, formatSeconds } from '../../health/checks/format.js';
import type { ProgressItem, ReportStatus, RunReport } from '../../report.js';
import type { RunTarget } from '../../runbook.js';
import { stepSkippedSchema } from '../../step-skipped.js';

/** The first step's output: the newest backup, or where none was found. */
export const newestOutput = z.discriminatedUnion('found', [
  z.object({ found: z.literal(true), key: z.string(), size: z.number(), lastModified: z.coerce.date() }),
  z.object({ found: z.literal(false), where: z.string() }),
]);

const integrityOutput = z.union([
  stepSkippedSchema,
  z.object({
    ok: z.boolean(),
    format: z.enum(['plain', 'custom']).optional(),
    gzipped: z.boolean().optional(),
    bytesRead: z.number(),
    sqlBytes: z.number().optional(),
    complete: z.boolean().optional(),
    entries: z.number().optional(),
    listing: z.array(z.string()).optional(),
    problem: z.string().optional(),
  }),
]);

const restoreOutput = z.union([
  stepSkippedSchema,
  z.object({
    scratch: z.string(),
    key: z.string(),
    format: z.enum(['plain', 'custom']).optional(),
    gzipped: z.boolean().optional(),
    restored: z.boolean(),
    restoreMs: z.number().optional(),
    checks: z.array(
      z.object({
        name: z.string(),
        query: z.string(),
        min: z.number(),
        value: z.number().optional(),
        error: z.string().optional(),
        ok: z.boolean(),
      }),
    ),
    error: z.string().optional(),
    dropped: z.literal(true),
  }),
]);

const worst = (items: ProgressItem[]): ReportStatus =>
  items.some((i) => i.status === 'fail' || i.status === 'failed')
    ? 'fail'
    : items.some((i) => i.status === 'warn')
      ? 'warn'
      : 'ok';

/** The report of `backup verify`: freshness, integrity and, when asked, the recovery test. */
export function backupVerifyReport(
  target: RunTarget,
  restoreTestAsked: boolean,
  outputs: Readonly<Record<string, unknown>>,
): RunReport {
  const newest = newestOutput.parse(outputs.newest);
  const maxHours = target.thresholds.backupMaxAgeHours;
  const where = `${target.service.displayName} (${target.environment})`;
  if (!newest.found) {
    return {
      status: 'fail',
      headline: `No backup to verify for ${where}: nothing under ${newest.where}`,
      items: [
        {
          id: 'newest',
          title: 'Newest backup',
          status: 'fail',
          value: 'none',
          threshold: `> ${formatHours(maxHours)} fails`,
        },
      ],
      details: [],
    };
  }
  const age = (Date.now() - newest.lastModified.getTime()) / 3_600_000;
  const items: ProgressItem[] = [
    {
      id: 'newest',
      title: 'Newest backup',
      status: age > maxHours ? 'fail' : newest.size === 0 ? 'fail' : 'ok',
      value: `${ageOld(age * 3_600_000)} · ${formatBytes(newest.size)}`,
      threshold: `> ${formatHours(maxHours)} fails`,
      summary: newest.key,
    },
  ];
  const details: RunReport['details'] = [];
  const integrity = integrityOutput.parse(outputs.integrity);
  if (!('skipped' in integrity)) {
    const kind = `${integrity.format === 'custom' ? 'custom archive' : 'plain SQL'}${integrity.gzipped ? ', gzipped' : ''}`;
    const what =
      integrity.format === 'custom'
        ? `pg_restore --list: ${countOf(integrity.entries ?? 0, 'entry', 'entries')}`
        : `${integrity.gzipped ? 'gunzip ok, ' : ''}${formatBytes(integrity.sqlBytes ?? 0)} of SQL${integrity.complete ? ', dump complete' : ''}`;
    items.push({
      id: 'integrity',
      title: 'Integrity',
      status: integrity.ok ? 'ok' : 'fail',
      value: integrity.ok ? what : 'broken',
      summary: integrity.ok ? `${kind}; read ${formatBytes(integrity.bytesRead)}` : (integrity.problem ?? 'unreadable'),
    });
    details.push({
      title: `Integrity of ${newest.key}`,
      lines: [
        `Format: ${kind}`,
        `Read from S3: ${formatCount(integrity.bytesRead)} bytes (streamed; nothing written to disk)`,
        ...(integrity.sqlBytes !== undefined
          ? [`SQL: ${formatCount(integrity.sqlBytes)} bytes; trailer ${integrity.complete ? 'present' : 'missing'}`]
          : []),
        ...(integrity.problem ? [`Problem: ${integrity.problem}`] : []),
        ...(integrity.listing ?? []),
      ],
    });
  }
  if (restoreTestAsked) {
    const r = restoreOutput.parse(outputs['restore-test']);
    if ('skipped' in r) {
      items.push({ id: 'restore-test', title: 'Restore test', status: 'skipped', summary: r.reason });
    } else {
      items.push({
        id: 'restore-test',
        title: `Restore into ${r.scratch}`,
        status: r.restored ? 'ok' : 'fail',
        value: r.restored ? `restored in ${formatSeconds((r.restoreMs ?? 0) / 1000)}` : 'failed',
        ...(r.error ? { summary: r.error } : {}),
      });
      for (const c of r.checks) {
        items.push({
          id: `verify:${c.name}`,
          title: `Verify ${c.name}`,
          status: c.ok ? 'ok' : 'fail',
          value: c.value === undefined ? 'error' : String(c.value),
          threshold: `≥ ${c.min}`,
          ...(c.error ? { summary: c.error } : {}),
        });
      }
      items.push({ id: 'scratch-dropped', title: 'Scratch database dropped', status: 'ok', value: r.scratch });
      details.push({
        title: 'Recovery test',
        lines: [
          `Backup: ${r.key}`,
          `Scratch database: ${r.scratch} (created, restored into, dropped)`,
          ...(r.error ? [`Failed: ${r.error}`] : []),
          ...r.checks.map(
            (c) => `${c.ok ? '✓' : '✗'} ${c.name}: ${c.query} = ${c.value ?? c.error ?? '?'} (≥ ${c.min})`,
          ),
        ],
      });
    }
  }
  const status = worst(items);
  const verdict = status === 'ok' ? 'verified' : status === 'warn' ? 'verified with warnings' : 'FAILED verification';
  return {
    status,
    headline: `Newest backup of ${where} ${verdict}: ${newest.key}, ${ageOld(age * 3_600_000)}${restoreTestAsked ? '; recovery test included' : ''}`,
    items,
    details,
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/jobs/report.js';
import { errorsRunbook } from '../../src/jobs/runbooks/monitor/errors-logs.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';
import { createOpsWorld, type OpsWorld } from './ops-world.js';

let ops: OpsWorld;
let runs = 0;
let podNames: string[] = [];

function json(fields: Record<string, unknown>): string {
  return JSON.stringify({ timestamp: new Date().toISOString(), ...fields });
}

/** `n` copies of a line. */
const times = (n: number, line: string) => Array.from({ length: n }, () => line);

async function errors(flags: Record<string, string | true> = {}): Promise<RunReport> {
  const ctx = runContext(ops.world, `r-errors-${++runs}`);
  try {
    const params = paramsOf(errorsRunbook, [], flags);
    const { outputs } = await runSteps(errorsRunbook, ctx, params);
    return errorsRunbook.report(ctx.target, params, outputs);
  } finally {
    await ctx.infra.close();
  }
}

beforeAll(async () => {
  ops = await createOpsWorld();
  const { kube, namespace } = ops.world;
  podNames = kube.pods(namespace).map((p) => String((p.metadata as { name?: string } | undefined)?.name));
  const [a, b] = podNames;
  if (!a || !b) throw new Error('expected two pods');
  const timeout = json({
    level: 'ERROR',
    error_type: 'CalculationTimeout',
    error_message: 'calculation 8812 timed out after 30 s',
    facility_id: 'FAC-001',
    tenant_id: 'acme-corp',
    endpoint: '/v1/calculate',
    method: 'POST',
  });
  const invalid = json({
    level: 'error',
    error_type: 'ValidationError',
    message: 'invalid input for facility',
    facility_id: 'FAC-002',
    tenant_id: 'globex',
    endpoint: '/v1/facilities',
  });
  kube.setPodLogs(
    namespace,
    a,
    [
      ...times(7, timeout),
      ...times(3, invalid),
      json({ level: 'INFO', message: 'calculation finished', facility_id: 'FAC-009' }),
      '2026-01-01T00:00:00Z ERROR worker: connection to 10.0.0.7:5432 refused',
    ].join('\n'),
  );
  kube.setPodLogs(namespace, b, [...times(2, timeout), json({ level: 30, msg: 'ok' })].join('\n'));
});
afterAll(() => ops.close());

describe('errors', () => {
  it('groups ERROR lines by error type, facility, tenant and endpoint, with the top of each in the thread', async () => {
    const r = await errors();
    expect(r.status).toBe('ok');
    expect(r.headline).toBe('13 ERROR lines in the last 24h of GL-009 THERMALIQ (production)');
    expect(r.items).toEqual([
      expect.objectContaining({
        id: 'errors',
        status: 'ok',
        value: '13',
        threshold: '> 1,000 per 24 h',
        summary: expect.stringMatching(/^2 of 2 pods read, .*; 12 JSON$/),
      }),
      expect.objectContaining({
        id: 'type',
        value: '2 error types',
        summary: 'CalculationTimeout ×9, ValidationError ×3',
      }),
      expect.objectContaining({ id: 'facility', summary: 'FAC-001 ×9, FAC-002 ×3' }),
      expect.objectContaining({ id: 'tenant', summary: 'acme-corp ×9, globex ×3' }),
      expect.objectContaining({ id: 'endpoint', summary: 'POST /v1/calculate ×9, /v1/facilities ×3' }),
    ]);
    const section = (title: string) => r.details.find((d) => d.title === title)?.lines;
    expect(section('Top 10 error types')).toEqual(['9× CalculationTimeout', '3× ValidationError']);
    expect(section('Top 10 messages')).toEqual([
      '9× calculation <n> timed out after <n> s',
      '3× invalid input for facility',
      '1× worker: connection to <ip> refused',
    ]);
  });

  it('reads each pod log bounded by the window, lines and bytes', async () => {
    const since = ops.world.kube.requests.length;
    await errors({ since: '6h' });
    const reads = ops.world.kube.requests.slice(since).filter((q) => q.path.endsWith('/log'));
    expect(reads).toHaveLength(2);
    for (const read of reads) {
      expect(read.query).toMatchObject({
        sinceSeconds: '21600',
        tailLines: '100000',
        limitBytes: String(8 * 1024 * 1024),
      });
    }
  });

  it('scales the 24 h threshold to the window: 13 in 1 h is about 312 a day', async () => {
    ops.world.kube.setPodLogs(
      ops.world.namespace,
      podNames[1] ?? '',
      times(40, json({ level: 'ERROR', error_type: 'CalculationTimeout' })).join('\n'),
    );
    const r = await errors({ since: '1h' });
    expect(r.items[0]).toMatchObject({ status: 'warn', value: '51 (≈ 1,224 / 24 h)' });
  });

  it.each([
    ['99999h', 'since: expected a duration such as 24h or 7d, not "99999h"'],
    ['24', 'since: expected a duration such as 24h or 7d, not "24"'],
    ['1h;rm', 'since: expected a duration such as 24h or 7d, not "1h;rm"'],
    ['0h', 'since: --since must be between 1h and 7d, not "0h"'],
    ['8d', 'since: --since must be between 1h and 7d, not "8d"'],
    ['169h', 'since: --since must be between 1h and 7d, not "169h"'],
  ])('refuses --since %s', (since, message) => {
    const parsed = errorsRunbook.params.safeParse(errorsRunbook.parseArgs([], { since }));
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([message]);
  });

  it('accepts 1h to 7d and defaults to 24h', () => {
    expect(paramsOf(errorsRunbook, [])).toEqual({ since: '24h' });
    expect(paramsOf(errorsRunbook, [], { since: '7d' })).toEqual({ since: '7d' });
    expect(paramsOf(errorsRunbook, [], { since: '168h' })).toEqual({ since: '168h' });
  });
});

import { describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../src/config/thresholds.js';
import { createInfra } from '../../src/infra/infra.js';
import type { CheckResult, HealthCheck } from '../../src/jobs/health/check.js';
import { overallStatus, runHealthChecks } from '../../src/jobs/health/run-checks.js';
import { environment } from './environment.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const ctxBase = {
  serviceKey: 'thermaliq',
  command: '/thermaliq',
  environment: 'production',
  infra: createInfra(environment({}), { serviceKey: 'thermaliq' }),
  thresholds: defaultThresholds,
};

function check(id: string, run: HealthCheck['run']): HealthCheck {
  return { id, title: id.toUpperCase(), run };
}

describe('runHealthChecks', () => {
  it('runs checks at once and returns results in the checks’ order, reporting each as it finishes', async () => {
    const first = deferred<void>();
    const finished: string[] = [];
    const checks = [
      check('slow', async () => {
        await first.promise;
        return { status: 'ok', summary: 'slow done' };
      }),
      check('fast', async () => {
        // Only finishes before "slow" if both run at once.
        first.resolve();
        return { status: 'warn', value: '2 %', threshold: '> 1 %', summary: 'fast done' };
      }),
    ];
    const results = await runHealthChecks(checks, ctxBase, {
      timeoutMs: 5_000,
      onResult: (r) => finished.push(r.id),
    });
    expect(results).toEqual([
      { id: 'slow', title: 'SLOW', status: 'ok', summary: 'slow done' },
      { id: 'fast', title: 'FAST', status: 'warn', value: '2 %', threshold: '> 1 %', summary: 'fast done' },
    ]);
    expect(finished).toEqual(['fast', 'slow']);
  });

  it('turns a check that never settles into an error naming the timeout, and aborts its signal', async () => {
    let seen: AbortSignal | undefined;
    const results = await runHealthChecks(
      [
        check('stuck', (ctx) => {
          seen = ctx.signal;
          // Ignores its signal on purpose: the runner must not wait for it.
          return new Promise(() => {});
        }),
        check('quick', async () => ({ status: 'ok', summary: 'fine' })),
      ],
      ctxBase,
      { timeoutMs: 50 },
    );
    expect(results[0]).toEqual({ id: 'stuck', title: 'STUCK', status: 'error', summary: 'timed out after 50 ms' });
    expect(results[1]?.status).toBe('ok');
    expect(seen?.aborted).toBe(true);
  });

  it('turns an exception into an error with its message only, never a stack', async () => {
    const [result] = await runHealthChecks(
      [
        check('boom', async () => {
          throw new TypeError('cannot read properties of undefined\n    at somewhere (file.ts:1:1)');
        }),
      ],
      ctxBase,
      { timeoutMs: 1_000 },
    );
    expect(result).toEqual({
      id: 'boom',
      title: 'BOOM',
      status: 'error',
      summary: 'cannot read properties of undefined',
    });
  });

  it('reports cancelled checks when the run is cancelled', async () => {
    const controller = new AbortController();
    const started = deferred<void>();
    const running = runHealthChecks(
      [
        check('waiting', (ctx) => {
          started.resolve();
          return new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
          );
        }),
      ],
      ctxBase,
      { timeoutMs: 10_000, signal: controller.signal },
    );
    await started.promise;
    controller.abort();
    expect(await running).toEqual([{ id: 'waiting', title: 'WAITING', status: 'error', summary: 'cancelled' }]);
  });

  it('keeps every result when onResult throws', async () => {
    const results = await runHealthChecks(
      [
        check('a', async () => ({ status: 'ok', summary: 'a' })),
        check('b', async () => ({ status: 'fail', summary: 'b' })),
      ],
      ctxBase,
      {
        timeoutMs: 1_000,
        onResult: () => {
          throw new Error('slack is down');
        },
      },
    );
    expect(results.map((r: CheckResult) => r.status)).toEqual(['ok', 'fail']);
  });
});

describe('overallStatus', () => {
  const of = (...statuses: CheckResult['status'][]) => overallStatus(statuses.map((status) => ({ status })));
  it('is the worst status: fail, then error, then warn, then ok', () => {
    expect(of('ok', 'warn', 'error', 'fail', 'skipped')).toBe('fail');
    expect(of('ok', 'warn', 'error', 'skipped')).toBe('error');
    expect(of('ok', 'warn', 'skipped')).toBe('warn');
    expect(of('ok', 'skipped')).toBe('ok');
  });
  it('is skipped only when everything was skipped', () => {
    expect(of('skipped', 'skipped')).toBe('skipped');
    expect(of()).toBe('skipped');
  });
});

import { describe, expect, it } from 'vitest';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { resolveTarget } from '../../src/config/targets.js';
import { UserError } from '../../src/errors.js';
import { createInfra } from '../../src/infra/infra.js';
import type { StepContext } from '../../src/jobs/runbook.js';
import { guardRestoreStep } from '../../src/jobs/runbooks/restore-failure.js';
import type { RestoreMaterial } from '../../src/jobs/runbooks/restore-plan.js';

const config = parseOpsConfig({
  services: {
    thermaliq: { command: '/thermaliq', displayName: 'GL-009 THERMALIQ', environments: { production: {} } },
  },
  roles: {},
  channels: { allowed: ['*'] },
});
const target = resolveTarget(config, 'thermaliq', 'production');
const material: RestoreMaterial = {
  backup: {
    bucket: 'greenlang-backups',
    prefix: 'thermaliq/production/',
    key: 'thermaliq/production/db.sql.gz',
    etag: 'e',
    size: 1,
  },
  database: { host: 'db', port: '5432', name: 'thermaliq_production' },
  deployment: { namespace: 'gl-009-production', name: 'thermaliq', replicas: 4 },
  verify: [],
};

function stepContext(signal: AbortSignal): StepContext<unknown> {
  return {
    runId: 'r-0123abcd',
    target,
    infra: createInfra(target.env, { serviceKey: 'thermaliq' }),
    signal,
    checkTimeoutMs: 1000,
    params: {},
    outputs: {},
    progress() {},
  };
}

/** Work that runs until its signal aborts, like a restore that hangs on a lock. */
const hang = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );

describe('guardRestoreStep', () => {
  it('stops the work before the step timeout and fails with the rollback instructions', async () => {
    // The executor's deadline for the same step: the guard must end the work before it fires.
    const executorDeadline = AbortSignal.timeout(300);
    const err = await guardRestoreStep(
      stepContext(executorDeadline),
      { name: 'restore', title: 'Restore', timeoutMs: 300 },
      material,
      hang,
    ).catch((e: unknown) => e);
    expect(executorDeadline.aborted).toBe(false);
    expect(err).toBeInstanceOf(UserError);
    expect(String(err)).toContain('Restore stopped: step "Restore" (restore) failed: timed out after 0.3 s.');
    expect(String(err)).toContain(
      'To roll back: `/thermaliq restore thermaliq/production/pre-restore/r-0123abcd.sql.gz --env production`',
    );
    expect(String(err)).toContain('kubectl -n gl-009-production scale deployment/thermaliq --replicas=4');
  });

  it('a cancel from outside is reported as the cause, not as a timeout', async () => {
    const outer = new AbortController();
    const pending = guardRestoreStep(
      stepContext(outer.signal),
      { name: 'verify', title: 'Verify', timeoutMs: 60_000 },
      material,
      hang,
    );
    outer.abort(new Error('cancelled by UAPPROVER1'));
    await expect(pending).rejects.toThrow(
      /^Restore stopped: step "Verify" \(verify\) failed: cancelled by UAPPROVER1\. /,
    );
  });

  it('scrubs credentials from the cause', async () => {
    const err = await guardRestoreStep(
      stepContext(new AbortController().signal),
      { name: 'pre-restore-backup', title: 'Pre-restore backup', timeoutMs: 60_000 },
      material,
      async () => {
        throw new Error('could not connect to postgres://bot:hunter2@db/thermaliq');
      },
    ).catch((e: unknown) => e);
    expect(String(err)).toContain('postgres://bot:***@db/thermaliq');
    expect(String(err)).not.toContain('hunter2');
    expect(String(err)).toContain('is incomplete; do not restore from it');
  });
});

import { messageOf, UserError } from '../../../errors.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { queryNumber } from '../../../infra/pg-query.js';
import {
  createScratchDatabase,
  databaseExists,
  databaseUrl,
  dropDatabase,
  scratchDatabaseName,
} from '../../../infra/pg-scratch.js';
import { restoreCustom, restorePlain } from '../../../infra/pg-tools.js';
import { scrubSecrets } from '../../../log.js';
import { detectBackupFormat } from '../../backup-format.js';
import type { StepContext } from '../../runbook.js';
import { verifyQueriesFor } from '../restore/verify-queries.js';
import { requireBackups, requireDatabaseUrl } from './backup-context.js';

/** One verification query run in the scratch database. */
export interface ScratchCheck {
  name: string;
  query: string;
  min: number;
  value?: number;
  error?: string;
  ok: boolean;
}

/** The monthly recovery test's outcome. The scratch database is always gone when this is returned. */
export interface RestoreTestResult {
  scratch: string;
  key: string;
  format?: 'plain' | 'custom';
  gzipped?: boolean;
  restored: boolean;
  restoreMs?: number;
  checks: ScratchCheck[];
  /** What failed (creating, restoring), when something did. */
  error?: string;
  dropped: true;
}

/** Time kept back from the step's timeout so the scratch database is dropped even when the restore runs out of it. */
const cleanupReserveMs = 60_000;

/**
 * Restores `key` into a new scratch database on the target server, runs the environment's verification queries
 * there, and drops it in all cases (its own deadline, so a cancelled or timed-out run still cleans up). The name
 * comes from the run id, so a re-delivered step drops an interrupted attempt's leftover before starting.
 */
export async function restoreTest(
  ctx: StepContext<unknown>,
  key: string,
  opts: { timeoutMs: number; onPhase(phase: string): void },
): Promise<RestoreTestResult> {
  const url = requireDatabaseUrl(ctx.target);
  const source = parsePgUrl(url);
  const scratch = scratchDatabaseName(`${source.database}_restore_test`, ctx.runId);
  const scratchUrl = databaseUrl(url, scratch);
  const budget = AbortSignal.timeout(Math.max(1_000, opts.timeoutMs - cleanupReserveMs));
  const signal = AbortSignal.any([ctx.signal, budget]);
  const result: Omit<RestoreTestResult, 'dropped'> = { scratch, key, restored: false, checks: [] };
  try {
    opts.onPhase(`CREATE DATABASE ${scratch}`);
    try {
      await createScratchDatabase(url, scratch, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(`could not create the scratch database (the user needs CREATEDB): ${messageOf(err)}`);
    }
    opts.onPhase(`restoring ${key} into ${scratch}`);
    const started = performance.now();
    const stream = await requireBackups(ctx).openRead(key, { signal });
    const detected = await detectBackupFormat(stream).catch((err: unknown) => {
      stream.destroy();
      throw new Error(`${key} is not a readable backup (${messageOf(err)})`);
    });
    result.format = detected.format;
    result.gzipped = detected.gzipped;
    if (detected.format === 'plain') await restorePlain(scratchUrl, detected.stream, signal);
    else await restoreCustom(scratchUrl, detected.stream, signal);
    result.restored = true;
    result.restoreMs = Math.round(performance.now() - started);
    opts.onPhase(`verifying ${scratch}`);
    for (const q of verifyQueriesFor(ctx.target.env)) {
      try {
        const value = await queryNumber(scratchUrl, q.query, signal);
        result.checks.push({ name: q.name, query: q.query, min: q.min, value, ok: value >= q.min });
      } catch (err) {
        if (signal.aborted) throw err;
        result.checks.push({ name: q.name, query: q.query, min: q.min, error: messageOf(err), ok: false });
      }
    }
  } catch (err) {
    if (ctx.signal.aborted) {
      await dropScratch(url, scratch, result);
      throw err;
    }
    result.error = scrubSecrets(
      budget.aborted ? `timed out after ${Math.round(opts.timeoutMs / 1000)} s` : messageOf(err),
    );
  }
  opts.onPhase(`DROP DATABASE ${scratch}`);
  await dropScratch(url, scratch, result);
  return { ...result, dropped: true };
}

/** Drops the scratch database with a deadline of its own; failing that, a person is told how to drop it. */
async function dropScratch(url: string, scratch: string, result: Omit<RestoreTestResult, 'dropped'>): Promise<void> {
  const signal = AbortSignal.timeout(cleanupReserveMs);
  try {
    await dropDatabase(url, scratch, signal);
    if (await databaseExists(url, scratch, signal)) throw new Error('it still exists after DROP DATABASE');
  } catch (err) {
    const outcome = result.error ? `The restore test failed (${result.error}), and the` : 'The';
    throw new UserError(
      'unavailable',
      `${outcome} scratch database ${scratch} could not be dropped: ${scrubSecrets(messageOf(err))}. Drop it by hand: DROP DATABASE ${scratch} WITH (FORCE);`,
    );
  }
}

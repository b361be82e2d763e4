import { messageOf, UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { databaseStates, dropKeptDatabase, reopenDatabase, swapDatabases } from '../../../infra/pg-databases.js';
import { scrubSecrets } from '../../../log.js';
import { formatBytes } from '../../health/checks/format.js';
import { NeedsAttention } from '../../report.js';
import type { StepContext } from '../../runbook.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { restoreReplicas, scaleAndWait } from './restore-deployment.js';
import type { RestoreMaterial } from './restore-plan.js';
import type { RestoreStepName } from './restore-titles.js';

/** Time the put-back gets, on top of the failed step's own budget. */
const putBackMs = 5 * 60_000;

const clean = (text: string) => scrubSecrets(text).replace(/\.$/, '');

/** Where the deployment stands, read live. */
async function deploymentState(ctx: StepContext<unknown>, m: RestoreMaterial, signal: AbortSignal): Promise<string> {
  if (m.deployment === null) return 'No deployment is configured, so nothing was scaled.';
  const { namespace, name, replicas } = m.deployment;
  const kube = ctx.infra.kube;
  if (!kube)
    return `Deployment ${namespace}/${name}: not configured any more (was ${countOf(replicas, 'replica')} before the restore).`;
  try {
    const d = await kube.readDeployment({ signal });
    const down = d.replicas < replicas ? ` It is below the ${replicas} it had before the restore.` : '';
    return `Deployment ${namespace}/${name}: ${countOf(d.replicas, 'replica')} wanted, ${d.readyReplicas} ready (was ${replicas} before the restore).${down}`;
  } catch (err) {
    return `Deployment ${namespace}/${name}: could not be read (${clean(messageOf(err))}); it had ${countOf(replicas, 'replica')} before the restore.`;
  }
}

/** Where each database of the restore stands, read live, in words. */
async function databasesState(ctx: StepContext<unknown>, m: RestoreMaterial, signal: AbortSignal): Promise<string> {
  const prod = m.database.name;
  const at = `${m.database.host}:${m.database.port}`;
  if (m.mode === 'in-place') {
    const dump = m.preRestoreKey ? ` Its pre-restore dump is s3://${m.backup?.bucket}/${m.preRestoreKey}.` : '';
    return `Database ${prod} on ${at}: restored in place in one transaction, so it holds either what it had or the whole backup (checked), never a part.${dump}`;
  }
  const incoming = m.incoming ?? '';
  const keepAs = m.keepAs ?? '';
  try {
    const [p, inc, kept] = await databaseStates(requireDatabaseUrl(ctx.target), [prod, incoming, keepAs], signal);
    const size = (s: typeof p) => (s?.sizeBytes == null ? '' : ` (${formatBytes(s.sizeBytes)})`);
    const swapped = !inc?.exists && kept?.exists;
    const what = m.mode === 'swap-back' ? 'the database kept before the restore' : 'the restored copy';
    const lines = [
      `Databases on ${at}:`,
      `• ${prod}${size(p)}: ${!p?.exists ? 'MISSING' : swapped ? `now holds ${what}` : 'still holds production\u2019s own data'}${p?.allowsConnections === false ? ', not taking connections' : ''}`,
      `• ${incoming}: ${inc?.exists ? `${what}${size(inc)}, not in use` : swapped ? `renamed to ${prod}` : 'does not exist'}`,
      `• ${keepAs}: ${kept?.exists ? `production\u2019s data from before${size(kept)}` : 'does not exist'}`,
    ];
    return lines.join('\n');
  } catch (err) {
    return `The databases on ${at} could not be read (${clean(messageOf(err))}).`;
  }
}

/** Where production stands now (deployment and databases), and the ways back. */
export async function describeRestoreState(ctx: StepContext<unknown>, m: RestoreMaterial): Promise<string> {
  const signal = AbortSignal.timeout(30_000);
  const [deployment, databases] = await Promise.all([deploymentState(ctx, m, signal), databasesState(ctx, m, signal)]);
  const cmd = `${ctx.target.service.command} restore`;
  return [
    'Where things stand now:',
    deployment,
    databases,
    `Ways back: *Roll back* (\`${cmd} rollback ${m.rollbackOf ?? ctx.runId}\`) puts production\u2019s data from before the restore back; *Scale back up* (\`${cmd} scale-up\`) brings the deployment back to the replicas it had.`,
  ].join('\n');
}

/** Swaps production's name back to the database it held before the cutover; true when it had to. */
async function unswap(ctx: StepContext<unknown>, m: RestoreMaterial, signal: AbortSignal): Promise<boolean> {
  if (m.mode === 'in-place' || !m.incoming || !m.keepAs) return false;
  const url = requireDatabaseUrl(ctx.target);
  const [, inc, kept] = await databaseStates(url, [m.database.name, m.incoming, m.keepAs], signal);
  if (inc?.exists || !kept?.exists) return false;
  await swapDatabases(
    url,
    {
      production: m.database.name,
      incoming: m.keepAs,
      keepAs: m.incoming,
      keepMark: {
        chatops: m.mode === 'swap-back' ? 'pre-restore' : 'restored',
        run: m.rollbackOf ?? ctx.runId,
        production: m.database.name,
        at: new Date().toISOString(),
      },
    },
    signal,
  );
  return true;
}

/** Scales back to the approved replicas; the words for what was done. */
async function scaleBack(ctx: StepContext<unknown>, m: RestoreMaterial, signal: AbortSignal): Promise<string> {
  if (m.deployment === null || !ctx.infra.kube) return '';
  const ready = await restoreReplicas(ctx.infra.kube, m.deployment.replicas, signal);
  return ` The deployment is back at ${countOf(m.deployment.replicas, 'replica')}, ${ready} ready.`;
}

/**
 * A failed restore step, put right where it can be: before the cutover production was never touched (a partial
 * copy is dropped); during or after it, the renames are reversed and the replicas restored. Throws a UserError
 * saying what was put back, or NeedsAttention with where things stand and the buttons a person needs.
 */
export async function recoverRestore(
  ctx: StepContext<unknown>,
  m: RestoreMaterial,
  step: { name: RestoreStepName; title: string },
  cause: string,
): Promise<never> {
  const stopped = `Restore stopped at step "${step.title}" (${step.name}): ${clean(cause)}.`;
  const signal = AbortSignal.timeout(putBackMs);
  if (step.name === 'restore-side' || step.name === 'verify-side' || step.name === 'pre-restore-backup') {
    let note = '';
    if (m.mode === 'side-by-side' && m.incoming) {
      note = await dropKeptDatabase(requireDatabaseUrl(ctx.target), m.incoming, signal).then(
        () => ` The unfinished copy ${m.incoming} was dropped.`,
        (err: unknown) =>
          ` The unfinished copy ${m.incoming} could not be dropped (${clean(messageOf(err))}); \`restore cleanup\` removes it.`,
      );
    }
    throw new UserError('unavailable', `${stopped} Production was not touched and keeps serving.${note}`);
  }
  try {
    let data = '';
    if (step.name === 'verify') {
      if (m.mode === 'in-place')
        throw new Error('an in-place restore is undone only by restoring its pre-restore dump');
      if (m.deployment !== null && ctx.infra.kube) await scaleAndWait(ctx.infra.kube, 0, signal);
    }
    if (step.name === 'cutover' && m.mode === 'in-place') {
      data = ` ${m.database.name} was not changed: the restore\u2019s transaction was rolled back.`;
    } else if (step.name === 'scale-up' && m.mode === 'in-place') {
      data = ` ${m.database.name} holds the restored data, which passed its checks.`;
    } else if (step.name === 'scale-down') {
      data =
        m.mode === 'in-place'
          ? ` ${m.database.name} was not changed.`
          : ` ${m.database.name} was not renamed: it holds production\u2019s own data.`;
    } else {
      data = (await unswap(ctx, m, signal))
        ? ` The renames were reversed: ${m.database.name} holds production\u2019s own data again; the restored copy is kept as ${m.incoming}.`
        : ` ${m.database.name} was not renamed: it holds production\u2019s own data.`;
    }
    // A swap that failed half-way reopens production itself; a worker that died there could not.
    if (m.mode !== 'in-place') await reopenDatabase(requireDatabaseUrl(ctx.target), m.database.name, signal);
    const up = await scaleBack(ctx, m, signal);
    throw new UserError('unavailable', `${stopped} It put things back by itself.${data}${up}`);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const state = await describeRestoreState(ctx, m);
    throw new NeedsAttention(
      `${stopped} It could not put things back by itself (${clean(messageOf(err))}).\n${state}`,
      ['rollback', 'scale-up'],
    );
  }
}

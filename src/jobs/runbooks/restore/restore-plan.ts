import { z } from 'zod';
import { messageOf, UserError } from '../../../errors.js';
import { ageOld, countOf, nounFor } from '../../../format/words.js';
import type { BackupHead } from '../../../infra/backups.js';
import { type DumpInspection, inspectDump, majorVersion } from '../../../infra/pg-dump-inspect.js';
import { clientToolsMajor, type RestoreTargetFacts, restoreTargetFacts } from '../../../infra/pg-restore-target.js';
import { scratchDatabaseName } from '../../../infra/pg-scratch.js';
import { detectBackupFormat } from '../../backup-format.js';
import { resolveBackupKey } from '../../backup-key.js';
import { formatBytes } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { RunbookContext, RunTarget } from '../../runbook.js';
import { backupPrefixes, requireBackups, requireDatabaseUrl } from '../backup/backup-context.js';
import { preRestoreKey } from '../backup/backup-names.js';
import { replicasBeforeRestore } from './restore-deployment.js';
import { inPlaceDrops, sideBySideBlockers } from './restore-mode.js';
import { describeVerifyQuery, verifyQueriesFor } from './verify-queries.js';

const rewrite = z.object({
  stripClean: z.boolean(),
  skipOwners: z.array(z.string()),
  skipGrantees: z.array(z.string()),
  schemasIfNotExists: z.boolean(),
});

/** What a restore approval is bound to. Ages and the database's size change by the second, so they stay out. */
export const restoreMaterial = z.object({
  /** side-by-side: restore beside production, then swap; in-place: over production; swap-back: a rollback. */
  mode: z.enum(['side-by-side', 'in-place', 'swap-back']),
  /** The backup restored; null for a swap-back, which restores nothing. */
  backup: z
    .object({
      bucket: z.string(),
      prefix: z.string(),
      key: z.string(),
      etag: z.string(),
      size: z.number().int().nonnegative(),
      format: z.enum(['plain', 'custom']),
      gzipped: z.boolean(),
    })
    .nullable(),
  database: z.object({ host: z.string(), port: z.string(), name: z.string() }),
  /** The database swapped into production's name (side-by-side: the fresh restore; swap-back: the kept copy). */
  incoming: z.string().nullable(),
  /** The name production's current database is kept under after the swap. */
  keepAs: z.string().nullable(),
  /** What the kept database is marked as. */
  keepMark: z.enum(['pre-restore', 'rolled-back']),
  /** null: no deployment is configured, so the restore scales nothing (the plan warns about writers). */
  deployment: z
    .object({ namespace: z.string(), name: z.string(), replicas: z.number().int().nonnegative() })
    .nullable(),
  verify: z.array(z.object({ name: z.string(), query: z.string(), min: z.number() })),
  /** `schema.table` of every table the backup creates; each must exist after the restore. */
  tables: z.array(z.string()),
  rewrite,
  /** In place: statements that drop exactly what the backup recreates, run first in the restore's transaction. */
  drops: z.array(z.string()),
  /** Where production is pg_dumped before anything changes; null when no dump is taken. */
  preRestoreKey: z.string().nullable(),
  /** The run a rollback undoes. */
  rollbackOf: z.string().nullable(),
});
/** The approved facts the restore steps act on. */
export type RestoreMaterial = z.infer<typeof restoreMaterial>;

/** The backup a restore names, checked to exist and be non-empty; a UserError says which it is not. */
export async function findBackup(ctx: RunbookContext, key: string): Promise<BackupHead> {
  const backups = requireBackups(ctx);
  const full = resolveBackupKey(key, backupPrefixes(ctx.target, backups));
  const head = await backups.head(full, { signal: ctx.signal });
  if (!head) throw new UserError('not_found', `No backup ${full} under s3://${backups.bucket}/${backups.prefix}.`);
  if (head.size === 0) throw new UserError('invalid_arguments', `Backup ${full} is empty (0 bytes); refusing it.`);
  return head;
}

/** The command that undoes a restore run. */
export function rollbackCommand(target: RunTarget, runId: string): string {
  return `${target.service.command} restore rollback ${runId} --env ${target.environment}`;
}

/** Reads the whole backup once, streaming, and says what it is; a file that cannot be read is refused here. */
async function inspectBackup(ctx: RunbookContext, head: BackupHead): Promise<DumpInspection> {
  const source = await requireBackups(ctx).openRead(head.key, { signal: ctx.signal, ifMatch: head.etag });
  try {
    const detected = await detectBackupFormat(source);
    return await inspectDump(detected.stream, detected, ctx.signal);
  } catch (err) {
    source.destroy();
    if (ctx.signal.aborted) throw err;
    throw new UserError(
      'invalid_arguments',
      `Backup ${head.key} cannot be read to its end (${messageOf(err)}); refusing it. Nothing was changed.`,
    );
  }
}

/** Why a backup cannot be restored as it stands, or undefined. */
function unrestorable(d: DumpInspection, facts: RestoreTargetFacts, toolsMajor: number): string | undefined {
  if (!d.isPgDump) return 'it is not a pg_dump backup (it does not start with pg_dump\u2019s header)';
  if (!d.complete)
    return 'it is cut off: it ends before pg_dump\u2019s "dump complete" line, so it would restore only part of the database';
  if (d.createsDatabase)
    return 'it was made with pg_dump --create: it creates and connects to a database of its own. Make it without --create';
  const made = majorVersion(d.pgDumpVersion);
  if (made !== null && made > toolsMajor) {
    return `it was made by pg_dump ${d.pgDumpVersion}, newer than the bot\u2019s psql and pg_restore (${toolsMajor})`;
  }
  if (made !== null && made > facts.serverMajor) {
    return `it was made by pg_dump ${d.pgDumpVersion} for a newer server than the target (PostgreSQL ${facts.serverVersion}); it may use settings and syntax that server lacks`;
  }
  const missing = facts.extensions.filter((e) => !e.available).map((e) => e.name);
  if (missing.length > 0)
    return `it needs the ${nounFor(missing.length, 'extension')} ${missing.join(', ')}, which the target server does not have`;
  return undefined;
}

const kindOf = (d: DumpInspection) =>
  `${d.format === 'plain' ? 'plain SQL' : 'custom format'}${d.gzipped ? ', gzipped' : ''}`;
const cleanWords = { no: 'without --clean', clean: 'with --clean', 'clean-if-exists': 'with --clean --if-exists' };
const list = (items: string[], max = 12) =>
  items.length === 0
    ? 'none'
    : items.length <= max
      ? items.join(', ')
      : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

/** The restore's dry run: what the backup holds, where it goes, how, and what happens to what is there now. */
export async function planRestore(
  ctx: RunbookContext,
  key: string,
  opts: { forceMode?: 'in-place'; rollbackOf?: string } = {},
): Promise<Plan> {
  const backups = requireBackups(ctx);
  const url = requireDatabaseUrl(ctx.target);
  const kube = ctx.infra.kube;
  const head = await findBackup(ctx, key);
  const [dump, current, toolsMajor] = await Promise.all([
    inspectBackup(ctx, head),
    kube?.readDeployment({ signal: ctx.signal }),
    clientToolsMajor(),
  ]);
  const extensions = dump.objects.filter((o) => o.type === 'EXTENSION').map((o) => o.name);
  const roles = [...new Set([...dump.owners, ...dump.grantees])];
  const facts = await restoreTargetFacts(url, { roles, extensions }, ctx.signal);
  const refusal = unrestorable(dump, facts, toolsMajor);
  if (refusal) {
    throw new UserError(
      'invalid_arguments',
      `Backup ${head.key} cannot be restored as it stands: ${refusal}. Nothing was changed.`,
    );
  }

  const restoreCfg = ctx.target.env.restore;
  const configuredMode = opts.forceMode ?? restoreCfg?.mode ?? 'auto';
  const blockers = configuredMode === 'in-place' ? [] : sideBySideBlockers(facts, restoreCfg?.freeBytes);
  if (configuredMode === 'side-by-side' && blockers.length > 0) {
    throw new UserError('conflict', `restore.mode is side-by-side, but ${blockers.join('; ')}. Nothing was changed.`);
  }
  const mode = configuredMode === 'in-place' || blockers.length > 0 ? 'in-place' : 'side-by-side';
  const modeWhy =
    mode === 'side-by-side'
      ? 'Side by side: the backup is restored into a new database while production keeps serving; production is down only for the cutover'
      : `In place, because ${configuredMode === 'in-place' ? (opts.forceMode ? 'the rollback restores the pre-restore dump' : 'restore.mode is in-place') : blockers.join('; ')}: production is down for the whole restore`;

  const skipOwners = facts.roles.filter((r) => dump.owners.includes(r.name) && !r.mayOwn).map((r) => r.name);
  const skipGrantees = facts.roles.filter((r) => dump.grantees.includes(r.name) && !r.exists).map((r) => r.name);
  const tables = dump.objects.filter((o) => o.type === 'TABLE').map((o) => `${o.schema}.${o.name}`);
  const gained = facts.tables.filter((t) => !tables.includes(t));
  const deployment =
    kube && current
      ? { namespace: kube.namespace, name: kube.deployment, replicas: replicasBeforeRestore(current).replicas }
      : null;
  const side = mode === 'side-by-side';
  const material: RestoreMaterial = {
    mode,
    backup: {
      bucket: backups.bucket,
      prefix: backups.prefix,
      key: head.key,
      etag: head.etag,
      size: head.size,
      format: dump.format,
      gzipped: dump.gzipped,
    },
    database: { host: facts.host, port: facts.port, name: facts.database },
    incoming: side ? scratchDatabaseName(facts.database, ctx.runId, 'restore') : null,
    keepAs: side ? scratchDatabaseName(facts.database, ctx.runId, 'pre') : null,
    keepMark: 'pre-restore',
    deployment,
    verify: verifyQueriesFor(ctx.target.env),
    tables,
    rewrite: { stripClean: true, skipOwners, skipGrantees, schemasIfNotExists: !side },
    drops: side ? [] : inPlaceDrops(dump.objects),
    preRestoreKey: !side || restoreCfg?.preRestoreDump ? preRestoreKey(backups.prefix, ctx.runId) : null,
    rollbackOf: opts.rollbackOf ?? null,
  };
  const ageHours = (Date.now() - head.lastModified.getTime()) / 3_600_000;
  const schemas = dump.objects.filter((o) => o.type === 'SCHEMA').map((o) => o.name);
  const sequences = dump.objects.filter((o) => o.type === 'SEQUENCE').length;
  const other = dump.objects.filter((o) => !['SCHEMA', 'EXTENSION', 'TABLE', 'SEQUENCE'].includes(o.type)).length;
  const fields = [
    {
      label: 'Backup',
      value: `s3://${backups.bucket}/${head.key} · ${formatBytes(head.size)} · ${ageOld(ageHours * 3_600_000)} (${head.lastModified.toISOString()})\n${kindOf(dump)}, made ${cleanWords[dump.clean]} by pg_dump ${dump.pgDumpVersion ?? '(version not stated)'} from PostgreSQL ${dump.serverVersion ?? '(not stated)'}`,
    },
    {
      label: 'What it creates',
      value: `${countOf(tables.length, 'table')}: ${list(tables)}\nSchemas: ${list(['public', ...schemas.filter((s) => s !== 'public')])} · ${countOf(sequences, 'sequence')} (${countOf(dump.sequenceValues, 'value')} restored) · extensions: ${list(extensions)}${other > 0 ? ` · ${countOf(other, 'other object')}` : ''}${dump.objectsTruncated ? ' (list cut short)' : ''}`,
    },
    {
      label: 'Owners and grants',
      value: `Owners: ${list(dump.owners)} · grants to: ${list(dump.grantees)}${skipOwners.length > 0 ? `\nNot set (role missing on the target, or not ours to give): ownership by ${skipOwners.join(', ')}; those objects are owned by ${facts.user}` : ''}${skipGrantees.length > 0 ? `\nSkipped (role missing on the target): grants to ${skipGrantees.join(', ')}` : ''}`,
    },
    {
      label: 'Target database',
      value: `${facts.database} on ${facts.host}:${facts.port} · ${formatBytes(facts.sizeBytes)} · PostgreSQL ${facts.serverVersion} · as ${facts.user}`,
    },
    { label: 'Mode', value: modeWhy },
    {
      label: 'Tables on the target that the backup lacks',
      value:
        gained.length === 0
          ? 'none'
          : `${list(gained)}: ${side ? `not in the restored database; they stay in the kept pre-restore database ${material.keepAs}` : 'kept as they are (the restore drops only what it recreates)'}`,
    },
    { label: 'Deployment', value: deploymentField(deployment, facts.database, ctx, side) },
    {
      label: 'Safety copy',
      value: [
        side ? `Production's database is kept, renamed to ${material.keepAs}` : undefined,
        material.preRestoreKey
          ? `pg_dump of production to s3://${backups.bucket}/${material.preRestoreKey}`
          : undefined,
      ]
        .filter((x) => x !== undefined)
        .join('\n'),
    },
    {
      label: 'Verification',
      value: [
        `All ${countOf(tables.length, 'table')} of the backup exist`,
        ...material.verify.map(describeVerifyQuery),
      ].join('\n'),
    },
    { label: 'Roll back with', value: `${rollbackCommand(ctx.target, ctx.runId)} (or the Roll back button)` },
  ];
  return {
    summary: `Restore database ${facts.database} on ${facts.host} from s3://${backups.bucket}/${head.key} (${side ? 'side by side' : 'in place'})`,
    fields,
    steps: planSteps(material, dump, facts.database),
    material,
    ...(material.drops.length > 0
      ? { details: [{ title: 'Dropped first, in the restore\u2019s transaction', lines: material.drops }] }
      : {}),
  };
}

/** The plan's line about the deployment: what is scaled, or that nothing is and writers must be stopped. */
function deploymentField(
  deployment: RestoreMaterial['deployment'],
  database: string,
  ctx: RunbookContext,
  side: boolean,
): string {
  if (deployment === null) {
    return `None configured (${`services.${ctx.target.serviceKey}.environments.${ctx.target.environment}`}.kubernetes), so nothing is scaled. Stop everything that writes to ${database} by other means before approving, or its writes during the cutover are lost.`;
  }
  const { namespace, name, replicas } = deployment;
  return `${namespace}/${name} · ${countOf(replicas, 'replica')} now → 0 during the ${side ? 'cutover' : 'restore'} → ${replicas}`;
}

/** The steps in words, as they will run in this mode. */
export function planSteps(m: RestoreMaterial, dump: DumpInspection | null, database: string): string[] {
  const d = m.deployment;
  const down = d
    ? `Scale ${d.namespace}/${d.name} from ${d.replicas} to 0 and wait until its pods are gone`
    : 'Scale down: skipped, no deployment is configured';
  const up = d
    ? `Scale ${d.namespace}/${d.name} back to ${d.replicas} and wait until ready`
    : 'Scale up: skipped, no deployment is configured';
  const verify = `Verify production: ${['the backup\u2019s tables', ...m.verify.map((q) => q.name)].join(', ')}`;
  const pre = m.preRestoreKey ? [`pg_dump ${database} (gzipped) to s3://${m.backup?.bucket}/${m.preRestoreKey}`] : [];
  if (m.mode === 'swap-back') {
    return [
      `Verify ${m.incoming} (the database kept before run ${m.rollbackOf}): ${['its tables', ...m.verify.map((q) => q.name)].join(', ')}`,
      down,
      `Cutover: end the sessions on ${database}, rename ${database} to ${m.keepAs} and ${m.incoming} to ${database}, in one transaction`,
      up,
      verify,
    ];
  }
  const dropNote = dump?.clean === 'no' ? 'made without --clean' : 'its own DROP statements left out';
  if (m.mode === 'side-by-side') {
    return [
      `Create ${m.incoming} and restore the backup into it with psql in one transaction (${dump ? kindOf(dump) : 'backup'}; ${dropNote}), while production keeps serving`,
      `Verify ${m.incoming}: ${['every table of the backup', ...m.verify.map((q) => q.name)].join(', ')}`,
      ...pre,
      down,
      `Cutover: end the remaining sessions on ${database}, rename ${database} to ${m.keepAs} and ${m.incoming} to ${database}, in one transaction`,
      up,
      verify,
    ];
  }
  return [
    ...pre,
    down,
    `Restore into ${database} with psql in one transaction: first drop the objects the backup recreates (${countOf(m.drops.length, 'statement')}, listed in the thread; nothing else), then the backup (${dropNote}), then the checks; any failure rolls it all back`,
    up,
    verify,
  ];
}

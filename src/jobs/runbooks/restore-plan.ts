import { z } from 'zod';
import { UserError } from '../../errors.js';
import type { BackupHead } from '../../infra/backups.js';
import { databaseFacts } from '../../infra/pg-query.js';
import { resolveBackupKey } from '../backup-key.js';
import { formatBytes, formatHours } from '../health/checks/format.js';
import type { Plan } from '../plan.js';
import type { RunbookContext } from '../runbook.js';
import { backupPrefixes, requireBackups, requireDatabaseUrl } from './backup-context.js';
import { preRestoreKey } from './backup-names.js';
import { noDeploymentReason, writersWarning } from './restore-deployment.js';
import { describeVerifyQuery, verifyQueriesFor } from './verify-queries.js';

/** What a restore approval is bound to. Ages and the database's size change by the second, so they stay out. */
export const restoreMaterial = z.object({
  backup: z.object({
    bucket: z.string(),
    prefix: z.string(),
    key: z.string(),
    etag: z.string(),
    size: z.number().int().nonnegative(),
  }),
  database: z.object({ host: z.string(), port: z.string(), name: z.string() }),
  /** null: no deployment is configured, so the restore scales nothing (the plan warns about writers). */
  deployment: z
    .object({ namespace: z.string(), name: z.string(), replicas: z.number().int().nonnegative() })
    .nullable(),
  verify: z.array(z.object({ name: z.string(), query: z.string(), min: z.number() })),
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

/** The command that restores the pre-restore copy, i.e. undoes this restore. */
export function rollbackCommand(ctx: Pick<RunbookContext, 'target'>, preKey: string): string {
  return `${ctx.target.service.command} restore ${preKey} --env ${ctx.target.environment}`;
}

/** The plan's lines about the deployment: what is scaled, or that nothing is and writers must be stopped. */
function deploymentLines(
  ctx: RunbookContext,
  deployment: RestoreMaterial['deployment'],
  database: string,
): { field: string; scaleDown: string; scaleUp: string } {
  if (deployment === null) {
    const reason = noDeploymentReason(ctx.target);
    return {
      field: `None: ${reason}. ${writersWarning(database)}`,
      scaleDown: `Scale down: skipped, no deployment is configured; stop the writers to ${database} yourself`,
      scaleUp: 'Scale up: skipped, no deployment is configured',
    };
  }
  const { namespace, name, replicas } = deployment;
  const workload = `${namespace}/${name}`;
  return {
    field: `${workload} · ${replicas} replica(s) now → 0 during the restore → ${replicas}`,
    scaleDown: `Scale ${workload} from ${replicas} to 0 and wait until its pods are gone`,
    scaleUp: `Scale ${workload} back to ${replicas} and wait until ready`,
  };
}

/** The restore's dry run: the backup, the database, the deployment (if any), the safety copy and the checks. */
export async function planRestore(ctx: RunbookContext, key: string): Promise<Plan> {
  const backups = requireBackups(ctx);
  const kube = ctx.infra.kube;
  const url = requireDatabaseUrl(ctx.target);
  const [backup, current, db] = await Promise.all([
    findBackup(ctx, key),
    kube?.readDeployment({ signal: ctx.signal }),
    databaseFacts(url, ctx.signal),
  ]);
  const verify = verifyQueriesFor(ctx.target.env);
  const preKey = preRestoreKey(backups.prefix, ctx.runId);
  const ageHours = (Date.now() - backup.lastModified.getTime()) / 3_600_000;
  const deployment =
    kube && current ? { namespace: kube.namespace, name: kube.deployment, replicas: current.replicas } : null;
  const material: RestoreMaterial = {
    backup: { bucket: backups.bucket, prefix: backups.prefix, key: backup.key, etag: backup.etag, size: backup.size },
    database: { host: db.host, port: db.port, name: db.name },
    deployment,
    verify: verify.map((q) => ({ name: q.name, query: q.query, min: q.min })),
  };
  const lines = deploymentLines(ctx, deployment, db.name);
  return {
    summary: `Restore database ${db.name} on ${db.host} from s3://${backups.bucket}/${backup.key}`,
    fields: [
      {
        label: 'Backup',
        value: `s3://${backups.bucket}/${backup.key} · ${formatBytes(backup.size)} · ${formatHours(ageHours)} old (${backup.lastModified.toISOString()})`,
      },
      { label: 'Target database', value: `${db.name} on ${db.host}:${db.port} · ${formatBytes(db.sizeBytes)}` },
      { label: 'Deployment', value: lines.field },
      { label: 'Pre-restore backup', value: `s3://${backups.bucket}/${preKey}` },
      {
        label: 'Verification',
        value: verify.length > 0 ? verify.map(describeVerifyQuery).join('\n') : 'none configured',
      },
      { label: 'Roll back with', value: rollbackCommand(ctx, preKey) },
    ],
    steps: [
      lines.scaleDown,
      `pg_dump ${db.name} (gzipped) to s3://${backups.bucket}/${preKey}`,
      `Restore ${backup.key} into ${db.name} in one transaction: the backup's objects are dropped and recreated (psql for SQL, pg_restore --clean --if-exists for custom); objects created since the backup stay`,
      verify.length > 0 ? `Verify: ${verify.map((q) => q.name).join(', ')}` : 'Verify: no queries configured',
      lines.scaleUp,
    ],
    material,
  };
}

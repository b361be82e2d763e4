import { UserError } from '../../../errors.js';
import type { BackupStore } from '../../../infra/backups.js';
import type { KubeTarget } from '../../../infra/kube.js';
import type { BackupPrefixes } from '../../backup-key.js';
import type { RunbookContext, RunTarget } from '../../runbook.js';
import { environmentPath, kubeNotConfigured } from '../k8s/k8s-context.js';

/** The ops-config path of the target's environment, for messages that name what to set. */
export const configPath = environmentPath;

/** The environment's backup store, or a UserError naming the config that is missing. */
export function requireBackups(ctx: Pick<RunbookContext, 'infra' | 'target'>): BackupStore {
  if (!ctx.infra.backups) {
    throw new UserError(
      'unavailable',
      `Backups are not configured for ${ctx.target.environment}: set ${configPath(ctx.target)}.backups.bucket.`,
    );
  }
  return ctx.infra.backups;
}

/** The environment's database URL, or a UserError naming the config that is missing. */
export function requireDatabaseUrl(target: RunTarget): string {
  const url = target.env.database?.url;
  if (!url) {
    throw new UserError(
      'unavailable',
      `No database is configured for ${target.environment}: set ${configPath(target)}.database.url.`,
    );
  }
  return url;
}

/** The environment's deployment, or a UserError naming the config that is missing. */
export function requireKube(ctx: Pick<RunbookContext, 'infra' | 'target'>): KubeTarget {
  if (!ctx.infra.kube) throw kubeNotConfigured(ctx.target, ctx.infra.kubeMissing);
  return ctx.infra.kube;
}

/** The environment's bucket and prefix, with the sibling environments' prefixes for clearer key refusals. */
export function backupPrefixes(target: RunTarget, backups: Pick<BackupStore, 'bucket' | 'prefix'>): BackupPrefixes {
  const others = Object.entries(target.service.environments).flatMap(([environment, env]) =>
    environment !== target.environment && env.backups?.prefix ? [{ environment, prefix: env.backups.prefix }] : [],
  );
  return { bucket: backups.bucket, prefix: backups.prefix, others };
}

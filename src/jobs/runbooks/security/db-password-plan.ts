import { z } from 'zod';
import type { DatabaseSecretConfig } from '../../../config/secrets-config.js';
import { UserError } from '../../../errors.js';
import { parsePgUrl, pgLabel } from '../../../infra/pg-connection.js';
import { roleFacts } from '../../../infra/pg-role-password.js';
import type { Plan } from '../../plan.js';
import type { RunbookContext } from '../../runbook.js';
import { environmentPath, requireWorkloads } from '../k8s/k8s-context.js';
import { requireSecrets } from './secret-rotation.js';

/** What a `rotate db-password` approval is bound to: the Secret as read (its version), the role and the workload. */
export const dbPasswordMaterial = z.object({
  namespace: z.string(),
  secret: z.string(),
  secretVersion: z.string(),
  keys: z.array(z.string()),
  role: z.string(),
  database: z.string(),
  deployment: z.string(),
  replicas: z.number().int().nonnegative(),
});
/** The approved facts of a password rotation. */
export type DbPasswordMaterial = z.infer<typeof dbPasswordMaterial>;

/** The database URL and the Secret config, or a UserError naming what to set. */
export function requireDatabaseSecret(ctx: Pick<RunbookContext, 'target'>): {
  url: string;
  config: DatabaseSecretConfig;
} {
  const path = environmentPath(ctx.target);
  const config = ctx.target.env.secrets?.database;
  if (!config) {
    throw new UserError(
      'unavailable',
      `Database password rotation is not configured for ${ctx.target.environment}: set ${path}.secrets.database (secret, role).`,
    );
  }
  const url = ctx.target.env.database?.url;
  if (!url) {
    throw new UserError(
      'unavailable',
      `No database is configured for ${ctx.target.environment}: set ${path}.database.url.`,
    );
  }
  return { url, config };
}

/** Reads the Secret, the role and the deployment, and says exactly what the rotation will do (no secret values). */
export async function planDbPassword(ctx: RunbookContext): Promise<Plan> {
  const { url, config } = requireDatabaseSecret(ctx);
  const secrets = requireSecrets(ctx);
  const workloads = requireWorkloads(ctx);
  const secret = await secrets.readSecret(config.secret, { signal: ctx.signal });
  if (!secret) {
    throw new UserError('not_found', `Secret ${config.secret} does not exist in ${secrets.namespace}.`);
  }
  if (secret.data[config.keys.password] === undefined) {
    throw new UserError(
      'conflict',
      `Secret ${config.secret} has no "${config.keys.password}" key, so the old password could not be put back on failure; nothing was changed.`,
    );
  }
  const hasUrl = secret.data[config.keys.url] !== undefined;
  if (hasUrl) {
    const text = Buffer.from(secret.data[config.keys.url] ?? '', 'base64').toString('utf8');
    if (!/^postgres(ql)?:\/\/[^/]*@/.test(text)) {
      throw new UserError(
        'conflict',
        `The "${config.keys.url}" key of Secret ${config.secret} is not a postgres:// URL with credentials; nothing was changed.`,
      );
    }
  }
  const database = pgLabel(parsePgUrl(url));
  const facts = await roleFacts(url, config.role, ctx.signal);
  if (!facts.exists) throw new UserError('not_found', `Role ${config.role} does not exist on ${database}.`);
  if (!facts.canLogin) throw new UserError('conflict', `Role ${config.role} on ${database} cannot log in (NOLOGIN).`);
  const d = await workloads.readRollout({ signal: ctx.signal });
  const keys = [config.keys.username, config.keys.password, ...(hasUrl ? [config.keys.url] : [])];
  const workload = `${workloads.namespace}/${d.name}`;
  const material: DbPasswordMaterial = {
    namespace: secrets.namespace,
    secret: config.secret,
    secretVersion: secret.resourceVersion,
    keys,
    role: config.role,
    database,
    deployment: d.name,
    replicas: d.replicas,
  };
  return {
    summary: `Rotate the password of ${config.role} on ${database} and in Secret ${secrets.namespace}/${config.secret}, then restart ${workload}`,
    fields: [
      { label: 'Role', value: `${config.role} (${facts.sessions} sessions now)` },
      { label: 'Database', value: database },
      { label: 'Secret', value: `${secrets.namespace}/${config.secret}: keys ${keys.join(', ')}` },
      { label: 'Deployment', value: `${workload} (${d.replicas} replicas, ${d.readyReplicas} ready)` },
      { label: 'New password', value: '32 random bytes, URL-safe base64; never shown' },
    ],
    steps: [
      `Read the current password from Secret ${config.secret} (kept in memory only, to put it back on failure)`,
      `ALTER ROLE ${config.role} PASSWORD … on ${database}, and log in as ${config.role} with the new password`,
      `Replace keys ${keys.join(', ')} of Secret ${config.secret}`,
      `Rolling restart of ${workload}, and wait until every replica is new and ready`,
      `Wait up to ${config.reconnectTimeoutSeconds} s for the health URL to answer and ${config.role} sessions opened after the change`,
      'On any failure after ALTER ROLE: put the old password and the old Secret back, and restart again',
    ],
    material,
  };
}

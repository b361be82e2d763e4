import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from '../log.js';
import type { EmbeddedDb } from '../store/embedded-postgres.js';
import { startLocalS3 } from './local-s3.js';
import { playgroundChannel } from './roster.js';

/** Targets that really run on this machine, so a bare `npm start` has something to check, back up and restore. */
export interface DemoTargets {
  /** Environment values for config/ops.yml's `${VAR}`s (applied only where the user set nothing). */
  env: Record<string, string>;
  close(): Promise<void>;
}

const demoDatabase = 'thermaliq_demo';
const demoBucket = 'greenlang-backups';

/** The guides' tables with a few rows, created once. */
const seedSql = `
CREATE TABLE IF NOT EXISTS tenants (id serial PRIMARY KEY, name text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS energy_readings (
  id bigserial PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants(id), facility_id text NOT NULL,
  reading_kwh numeric(12,3) NOT NULL, read_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS calculations (
  id bigserial PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants(id), facility_id text NOT NULL,
  efficiency_pct numeric(5,2) NOT NULL, status text NOT NULL, calculated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS energy_readings_facility_idx ON energy_readings (facility_id, read_at);
`;

async function seedDemoDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(seedSql);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM tenants');
    if (Number(rows[0]?.n ?? 0) > 0) return;
    await client.query(`INSERT INTO tenants (name) VALUES ('Acme Steel'), ('Nordic Paper'), ('Delta Foods')`);
    await client.query(`
      INSERT INTO energy_readings (tenant_id, facility_id, reading_kwh, read_at)
      SELECT 1 + (g % 3), 'F-' || (10 + g % 7), round((500 + random() * 1500)::numeric, 3), now() - (g || ' minutes')::interval
      FROM generate_series(1, 2000) g`);
    await client.query(`
      INSERT INTO calculations (tenant_id, facility_id, efficiency_pct, status, calculated_at)
      SELECT 1 + (g % 3), 'F-' || (10 + g % 7), round((60 + random() * 35)::numeric, 2),
             CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'completed' END, now() - (g || ' minutes')::interval
      FROM generate_series(1, 500) g`);
  } finally {
    await client.end();
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts the zero-setup targets: a demo database in the embedded PostgreSQL seeded with the guides' tables, a local
 * S3 (s3rver, data in `dataDir/s3`) for backups, and the local Redis if one answers. Kubernetes and Prometheus stay
 * unconfigured, so their checks report "skipped" with a hint.
 */
export async function startDemoTargets(dataDir: string, db: EmbeddedDb, log: Logger): Promise<DemoTargets> {
  const admin = new pg.Client({ connectionString: db.urlFor('postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [demoDatabase]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${demoDatabase}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = db.urlFor(demoDatabase);
  await seedDemoDatabase(databaseUrl);
  const s3 = await startLocalS3({ directory: join(dataDir, 's3'), buckets: [demoBucket] });
  const env: Record<string, string> = {
    THERMALIQ_DATABASE_URL: databaseUrl,
    THERMALIQ_BACKUP_BUCKET: demoBucket,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    // The playground's channel, so the guides' digests arrive there on schedule.
    DIGEST_CHANNEL: playgroundChannel.id,
  };
  const redisUrl = 'redis://127.0.0.1:6379';
  if (await redisAnswers(redisUrl)) env.THERMALIQ_REDIS_URL = redisUrl;
  log.info(
    { database: demoDatabase, s3: s3.endpoint, redis: env.THERMALIQ_REDIS_URL ?? 'not running' },
    'zero-setup targets: demo database, local S3; Kubernetes and Prometheus are not configured and will be skipped',
  );
  return { env, close: () => s3.close() };
}

/** Overlays `defaults` on an environment where a value is unset or empty (a blank line in .env counts as unset). */
export function withDefaults(env: NodeJS.ProcessEnv, defaults: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(defaults)) {
    if (out[key] === undefined || out[key] === '') out[key] = value;
  }
  return out;
}

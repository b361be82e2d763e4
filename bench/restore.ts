import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl } from '../src/infra/pg-scratch.js';
import { createWorld, type World } from '../test/helpers/world.js';
import { makeGuideDump } from '../test/runbooks/guide-dumps.js';
import { sql } from '../test/runbooks/run-context.js';
import { loadAverage } from './stats.js';

const sizeMb = Number(process.env.BENCH_RESTORE_MB ?? 300);

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs a command in its own process; resolves with its stdout and wall time. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60 * 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code === 0) resolve({ out, ms });
      else reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Fills the world's target with about `sizeMb` of the guides' readings (rows, an index, a sequence). */
async function seed(world: World): Promise<void> {
  const rows = Math.round((sizeMb * 1024 * 1024) / 130);
  await sql(
    world.target.url,
    `CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL);
     INSERT INTO tenants SELECT i, 'tenant-' || i FROM generate_series(1, 50) i;
     CREATE TABLE energy_readings (id bigserial PRIMARY KEY, tenant_id int NOT NULL REFERENCES tenants(id),
       read_at timestamptz NOT NULL, kwh numeric(12,3) NOT NULL, meter text NOT NULL);
     INSERT INTO energy_readings (tenant_id, read_at, kwh, meter)
       SELECT 1 + i % 50, timestamptz '2026-01-01' + i * interval '1 minute', (i % 9973) / 7.0, md5(i::text) || '-meter'
       FROM generate_series(1, ${rows}) i;
     CREATE INDEX energy_readings_tenant ON energy_readings (tenant_id, read_at);`,
  );
}

/**
 * Restore downtime, side by side against in place, and restore throughput against `gunzip -c | psql` of the same
 * dump; each restore runs in its own process, and the baseline is the guide's own pipeline.
 */
export async function benchRestore(): Promise<{ downtimeRatio: number; throughputRatio: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  const world = await createWorld();
  try {
    console.log(`restore: a database of about ${sizeMb} MB (${loadAverage()})`);
    await seed(world);
    const [size] = await sql<{ bytes: string }>(
      world.target.url,
      'SELECT pg_database_size(current_database())::text AS bytes',
    );
    const dump = await makeGuideDump(world.target.url, 'pg_dump "$DATABASE_URL" | gzip -1 > "$OUT"');
    const dumpFile = join(dir, 'backup.sql.gz');
    writeFileSync(dumpFile, dump);
    const key = `${world.backupPrefix}bench-restore.sql.gz`;
    await world.s3.putObject(world.s3.bucket, key, dump);
    const configFile = join(dir, 'ops.json');
    writeFileSync(configFile, JSON.stringify(world.config));
    console.log(
      `  database ${(Number(size?.bytes) / 1048576).toFixed(0)} MiB, dump (VCCI CronJob, gzip -1) ${(dump.length / 1048576).toFixed(0)} MiB`,
    );

    // Baseline: the guide's own restore pipeline into a fresh database, in its own process.
    const fresh = `${world.target.name}_baseline`;
    await sql(databaseUrl(world.target.url, 'postgres'), `CREATE DATABASE "${fresh}"`);
    const baseline = await timed(
      'bash',
      ['-o', 'pipefail', '-c', 'gunzip -c "$DUMP" | psql -X -q -v ON_ERROR_STOP=1 "$URL" >/dev/null'],
      {
        DUMP: dumpFile,
        URL: databaseUrl(world.target.url, fresh),
      },
    );
    console.log(`  gunzip -c | psql            ${seconds(baseline.ms).padStart(10)}  (${loadAverage()})`);

    const run = async (mode: 'side-by-side' | 'in-place', runId: string) => {
      const { out, ms } = await timed(process.execPath, [
        '--import',
        'tsx',
        'bench/restore-child.ts',
        configFile,
        key,
        mode,
        runId,
      ]);
      const o = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
      const downtime = o['scale-up'].upAt - o['scale-down'].downAt;
      const restoreMs = mode === 'side-by-side' ? o['restore-side'].durationMs : o.cutover.durationMs;
      console.log(
        `  ${`restore, ${mode}`.padEnd(27)}${seconds(ms).padStart(10)} wall; restore ${seconds(restoreMs)}; production down ${seconds(downtime)}  (${loadAverage()})`,
      );
      return { downtime, restoreMs };
    };
    const side = await run('side-by-side', 'r-bench00001');
    const inPlace = await run('in-place', 'r-bench00002');

    const downtimeRatio = side.downtime / inPlace.downtime;
    const throughputRatio = baseline.ms / side.restoreMs;
    console.log(
      `  downtime side by side / in place: ${downtimeRatio.toFixed(3)}× (target: side by side ≤ 5 s plus rollout waits, not growing with size)`,
    );
    console.log(`  restore throughput vs gunzip -c | psql: ${throughputRatio.toFixed(2)}× (target ≥ 0.9×)`);
    return { downtimeRatio, throughputRatio };
  } finally {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

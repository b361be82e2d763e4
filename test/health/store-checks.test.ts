import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../src/config/thresholds.js';
import { backupAgeCheck } from '../../src/jobs/health/checks/backup-age.js';
import { dbConnectionsCheck } from '../../src/jobs/health/checks/db-connections.js';
import { assessCacheInfo, redisCheck } from '../../src/jobs/health/checks/redis.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { closedPort, createTestDatabase, redisUrl, type TestDatabase } from '../support/services.js';
import { infraFor, runCheck } from './environment.js';

describe('db-connections check', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('health_db_connections');
  });
  afterAll(() => db.drop());

  it('reports connections against max_connections, and warns above the threshold', async () => {
    const infra = infraFor({ database: { url: db.url } });
    try {
      const ok = await runCheck(dbConnectionsCheck, infra);
      expect(ok.status).toBe('ok');
      expect(ok.value).toMatch(/^1\/\d+ \(\d+(\.\d+)? %\)$/);
      expect(ok.threshold).toBe('> 80 % of max_connections warns, ≥ 95 % fails');
      // One connection of max_connections (100 by default) is above a 0.1 % threshold.
      const warn = await runCheck(dbConnectionsCheck, infra, { thresholds: { dbConnectionsPercent: 0.1 } });
      expect(warn.status).toBe('warn');
    } finally {
      await infra.close();
    }
  });

  it('is an error, not a timeout, when PostgreSQL is unreachable', async () => {
    const port = await closedPort();
    const infra = infraFor({ database: { url: `postgres://thermaliq:pw@127.0.0.1:${port}/thermaliq_production` } });
    try {
      const result = await runCheck(dbConnectionsCheck, infra, { timeoutMs: 10_000 });
      expect(result.status).toBe('error');
      expect(result.summary).toMatch(/^Cannot connect to 127\.0\.0\.1:\d+\/thermaliq_production: .*ECONNREFUSED/);
    } finally {
      await infra.close();
    }
  });
});

describe('redis check', () => {
  it('is ok when Redis answers, with memory and hit rate', async () => {
    const infra = infraFor({ cache: { url: redisUrl() } });
    try {
      const result = await runCheck(redisCheck, infra, { thresholds: { cacheFragmentationRatio: 1_000 } });
      expect(result.status).toBe('ok');
      expect(result.value).toMatch(/^PONG; memory .+; hit rate .+$/);
      expect(result.details).toHaveLength(4);
    } finally {
      await infra.close();
    }
  });

  it('fails when Redis is down', async () => {
    const port = await closedPort();
    const infra = infraFor({ cache: { url: `redis://127.0.0.1:${port}` } });
    try {
      const result = await runCheck(redisCheck, infra);
      expect(result).toMatchObject({ status: 'fail', value: 'no PONG' });
      expect(result.summary).toMatch(/ECONNREFUSED/);
    } finally {
      await infra.close();
    }
  });

  const info = {
    keyspaceHits: 900,
    keyspaceMisses: 100,
    usedMemory: 800 * 1024 * 1024,
    maxMemory: 1024 * 1024 * 1024,
    memFragmentationRatio: 1.2,
    evictedKeys: 0,
    expiredKeys: 10,
  };

  it('judges fragmentation above the threshold, but not on a nearly empty instance', () => {
    const fragmented = assessCacheInfo({ ...info, memFragmentationRatio: 1.8 }, defaultThresholds);
    expect(fragmented.status).toBe('warn');
    expect(fragmented.summary).toContain('fragmentation ratio 1.8 above 1.5');
    expect(
      assessCacheInfo({ ...info, memFragmentationRatio: 9, usedMemory: 1024 * 1024 }, defaultThresholds).status,
    ).toBe('ok');
  });

  it('warns when used memory is above the share of maxmemory, and not without a maxmemory', () => {
    const full = assessCacheInfo({ ...info, usedMemory: 0.95 * 1024 * 1024 * 1024 }, defaultThresholds);
    expect(full.status).toBe('warn');
    expect(full.summary).toContain('memory 95 % of maxmemory, above 90 %');
    expect(assessCacheInfo({ ...info, maxMemory: 0 }, defaultThresholds).status).toBe('ok');
    expect(assessCacheInfo(info, defaultThresholds)).toMatchObject({
      status: 'ok',
      value: 'PONG; memory 800 MiB (78.1 % of maxmemory); fragmentation 1.2; hit rate 90 %',
    });
  });
});

describe('backup-age check', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startS3({ buckets: ['greenlang-backups'] });
  });
  afterAll(() => s3.close());

  function backupInfra(prefix: string) {
    return infraFor({
      backups: {
        bucket: 'greenlang-backups',
        prefix,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      },
    });
  }

  it('fails when the newest backup is older than the threshold', async () => {
    const key = 'stale/db-2024-01-01.sql.gz';
    await s3.putObject('greenlang-backups', key, 'dump');
    await s3.setLastModified('greenlang-backups', key, new Date(Date.now() - 30 * 3_600_000));
    const infra = backupInfra('stale/');
    const result = await runCheck(backupAgeCheck, infra);
    await infra.close();
    expect(result).toMatchObject({ status: 'fail', threshold: '> 25 h fails' });
    expect(result.value).toMatch(/^30(\.0)? h$/);
    expect(result.summary).toMatch(/^Newest backup is 30(\.0)? h old, older than 25 h$/);
    expect(result.details?.[0]).toContain(key);
  });

  it('is ok for a recent backup', async () => {
    await s3.putObject('greenlang-backups', 'fresh/db.sql.gz', 'dump');
    const infra = backupInfra('fresh/');
    const result = await runCheck(backupAgeCheck, infra);
    await infra.close();
    expect(result.status).toBe('ok');
  });

  it('fails when there is no backup at all, and says how to make the first one', async () => {
    const infra = backupInfra('nothing-here/');
    const result = await runCheck(backupAgeCheck, infra);
    await infra.close();
    expect(result).toMatchObject({
      status: 'fail',
      value: 'none',
      summary: 'no backup yet: try `/thermaliq backup now`',
      details: ['nothing under s3://greenlang-backups/nothing-here/'],
    });
  });

  it('says a recent backup\'s age in words, not as "0 h"', async () => {
    await s3.putObject('greenlang-backups', 'words/db.sql.gz', 'dump');
    await s3.setLastModified('greenlang-backups', 'words/db.sql.gz', new Date(Date.now() - 12 * 60_000 - 5_000));
    const infra = backupInfra('words/');
    const result = await runCheck(backupAgeCheck, infra);
    await infra.close();
    expect(result).toMatchObject({ status: 'ok', value: '12 min', summary: 'Newest backup: 12 min old (4 B)' });
  });

  it('warns when the newest backup is empty', async () => {
    await s3.putObject('greenlang-backups', 'empty/db.sql.gz', '');
    const infra = backupInfra('empty/');
    const result = await runCheck(backupAgeCheck, infra);
    await infra.close();
    expect(result).toMatchObject({ status: 'warn', summary: 'Newest backup empty/db.sql.gz is empty (0 bytes)' });
  });
});

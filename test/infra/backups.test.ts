import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupStore } from '../../src/infra/backups.js';
import { startLocalHttpServer } from '../support/local-http-server.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { closedPort } from '../support/services.js';

const hour = 3_600_000;

describe('BackupStore on s3rver', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startS3({ buckets: ['thermaliq-backups', 'empty-backups'] });
    const now = Date.now();
    const objects: Array<[string, number]> = [
      ['production/db-2024-01-01.sql.gz', 50],
      ['production/db-2024-01-03.sql.gz', 2],
      ['production/db-2024-01-02.sql.gz', 26],
      ['production/db-2023-12-31.sql.gz', 74],
      ['production/db-2023-12-30.sql.gz', 98],
      ['staging/db-newer.sql.gz', 1],
    ];
    for (const [key, ageHours] of objects) {
      await s3.putObject('thermaliq-backups', key, `backup ${key}`);
      await s3.setLastModified('thermaliq-backups', key, new Date(now - ageHours * hour));
    }
  });
  afterAll(() => s3.close());

  function store(bucket: string, prefix: string, pageSize?: number) {
    return createBackupStore(
      {
        bucket,
        prefix,
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      },
      { pageSize },
    );
  }

  it('finds the newest backup under the prefix by LastModified, not by name', async () => {
    const backups = store('thermaliq-backups', 'production/');
    const newest = await backups.newestBackup();
    expect(newest?.key).toBe('production/db-2024-01-03.sql.gz');
    expect(newest?.size).toBe(Buffer.byteLength('backup production/db-2024-01-03.sql.gz'));
    await backups.close();
  });

  it('pages through a truncated listing', async () => {
    const backups = store('thermaliq-backups', 'production/', 2);
    const all = await backups.listBackups();
    expect(all.map((b) => b.key)).toEqual([
      'production/db-2024-01-03.sql.gz',
      'production/db-2024-01-02.sql.gz',
      'production/db-2024-01-01.sql.gz',
      'production/db-2023-12-31.sql.gz',
      'production/db-2023-12-30.sql.gz',
    ]);
    expect((await backups.newestBackup())?.key).toBe('production/db-2024-01-03.sql.gz');
    expect((await backups.listBackups({ limit: 2 })).map((b) => b.key)).toEqual([
      'production/db-2024-01-03.sql.gz',
      'production/db-2024-01-02.sql.gz',
    ]);
    await backups.close();
  });

  it('gives undefined when there is no backup', async () => {
    const backups = store('empty-backups', 'production/');
    expect(await backups.newestBackup()).toBeUndefined();
    await backups.close();
  });

  it('says which location it could not list', async () => {
    const backups = store('no-such-bucket', 'production/');
    await expect(backups.newestBackup()).rejects.toThrow(/Cannot list s3:\/\/no-such-bucket\/production\/: .*bucket/i);
    await backups.close();
  });

  it('rejects with the signal reason when the store never answers', async () => {
    const silent = await startLocalHttpServer(() => {
      // Never answers.
    });
    try {
      const backups = createBackupStore({
        bucket: 'thermaliq-backups',
        prefix: 'production/',
        endpoint: silent.origin,
        region: 'us-east-1',
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      });
      const signal = AbortSignal.timeout(100);
      const err = await backups.newestBackup({ signal }).catch((e: unknown) => e);
      expect(err).toBe(signal.reason);
      await backups.close();
    } finally {
      await silent.close();
    }
  });

  it('fails when the endpoint is unreachable', async () => {
    const port = await closedPort();
    const backups = createBackupStore({
      bucket: 'thermaliq-backups',
      prefix: 'production/',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    await expect(backups.newestBackup()).rejects.toThrow(/Cannot list s3:\/\/thermaliq-backups\/production\//);
    await backups.close();
  });
});

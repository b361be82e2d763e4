import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach } from 'vitest';
import type { RunbookContext } from '../../src/jobs/runbook.js';
import { createWorld, type World } from '../helpers/world.js';
import { seedGuideTables } from './guide-tables.js';
import { runContext } from './run-context.js';

/** What a test of the backup and restore runbooks works with. */
export interface SeededWorld {
  /** This test's world, its target database seeded with the guides' tables. */
  readonly world: World;
  /** A step context for a run of this world; closed after the test. */
  context(runId: string): RunbookContext;
  /** The bytes of an object in the world's backup bucket. */
  objectBytes(key: string): Promise<Buffer>;
}

/** Registers a fresh seeded world per test (created before, closed after, with every context made through it). */
export function seededWorldPerTest(): SeededWorld {
  let current: World | undefined;
  const contexts: RunbookContext[] = [];
  const world = () => {
    if (!current) throw new Error('the seeded world exists only inside a test');
    return current;
  };
  beforeEach(async () => {
    current = await createWorld();
    await seedGuideTables(current.target.url);
  });
  afterEach(async () => {
    for (const ctx of contexts.splice(0)) await ctx.infra.close();
    await current?.close();
    current = undefined;
  });
  return {
    get world() {
      return world();
    },
    context(runId) {
      const ctx = runContext(world(), runId);
      contexts.push(ctx);
      return ctx;
    },
    async objectBytes(key) {
      const w = world();
      const got = await w.s3.client.send(new GetObjectCommand({ Bucket: w.s3.bucket, Key: key }));
      return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    },
  };
}

import { describe, expect, it } from 'vitest';
import { naturalBatcher } from '../../src/batcher.js';
import { deferred } from '../helpers/deferred.js';

/** A flush that records each batch and waits until the test releases it. */
function gatedFlush() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const flush = async (items: readonly number[]) => {
    batches.push([...items]);
    const gate = deferred<void>();
    gates.push(() => gate.resolve());
    await gate.promise;
    return items.map((i) => i * 10);
  };
  return { batches, gates, flush };
}

describe('naturalBatcher', () => {
  it('flushes an item alone at once when nothing is in flight', async () => {
    const { batches, gates, flush } = gatedFlush();
    const submit = naturalBatcher(flush, { maxInFlight: 1, maxBatch: 10 });
    const one = submit(1);
    await Promise.resolve();
    expect(batches).toEqual([[1]]);
    gates[0]?.();
    expect(await one).toBe(10);
  });

  it('groups what arrives while every flush is busy, up to maxBatch, and answers each in order', async () => {
    const { batches, gates, flush } = gatedFlush();
    const submit = naturalBatcher(flush, { maxInFlight: 2, maxBatch: 3 });
    const results = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => submit(i));
    await Promise.resolve();
    // Two flushes may run: the first items go in them, the rest wait for one to end.
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    gates[0]?.();
    await results[0];
    // The next batch starts when the first flush has settled (a turn of the event loop later).
    await new Promise((r) => setImmediate(r));
    expect(batches[2]).toEqual([7, 8]);
    gates[1]?.();
    gates[2]?.();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
  });

  it('rejects every item of a failed batch with its error, and goes on with the next batch', async () => {
    let calls = 0;
    const submit = naturalBatcher(
      async (items: readonly number[]) => {
        calls += 1;
        if (calls === 1) throw new Error('store unavailable');
        return items.map((i) => i);
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    const first = await Promise.allSettled([submit(1), submit(2)]);
    expect(first.map((r) => (r.status === 'rejected' ? String(r.reason) : r.value))).toEqual([
      'Error: store unavailable',
      'Error: store unavailable',
    ]);
    expect(await submit(3)).toBe(3);
  });

  it('rejects a batch whose flush answered a different number of results', async () => {
    const submit = naturalBatcher(async () => [1], { maxInFlight: 1, maxBatch: 10 });
    const results = await Promise.allSettled([submit(1), submit(2)]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });
});

/** Options of a {@link naturalBatcher}. */
export interface BatcherOptions {
  /** Flushes that may be in flight at once; a submit waits for a batch only when all of them are busy. */
  maxInFlight: number;
  /** The most items one flush takes. */
  maxBatch: number;
}

/**
 * Groups concurrent submissions into batches without waiting for a timer: an item submitted while fewer than
 * `maxInFlight` flushes are running is flushed at once (alone, when the system is quiet), and items submitted while
 * all of them run go together into the next flush. So a quiet system adds no latency, and a busy one pays one round
 * trip and one commit per batch instead of per item.
 *
 * `flush` gets the items and returns one result per item, in order; if it throws, every item of that batch rejects
 * with the error.
 */
export function naturalBatcher<I, O>(
  flush: (items: readonly I[]) => Promise<readonly O[]>,
  options: BatcherOptions,
): (item: I) => Promise<O> {
  interface Waiting {
    item: I;
    resolve: (value: O) => void;
    reject: (err: unknown) => void;
  }
  const waiting: Waiting[] = [];
  let inFlight = 0;

  const pump = (): void => {
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, options.maxBatch);
      inFlight += 1;
      flush(batch.map((w) => w.item))
        .then((results) => {
          if (results.length !== batch.length)
            throw new Error(`a batch of ${batch.length} got ${results.length} results`);
          for (const [i, w] of batch.entries()) w.resolve(results[i] as O);
        })
        .catch((err: unknown) => {
          for (const w of batch) w.reject(err);
        })
        .finally(() => {
          inFlight -= 1;
          pump();
        });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // After the current task: items submitted in the same turn of the event loop go together.
      queueMicrotask(pump);
    });
}

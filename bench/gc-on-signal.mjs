// Loaded only into the benchmarked bot process (`node --expose-gc --import`). SIGUSR2 runs full collections and
// prints the memory left after them, so the bench compares what the process retains, not where the sawtooth of
// the garbage collector happens to be when it samples.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(
    `${JSON.stringify({ benchGc: true, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external })}\n`,
  );
});

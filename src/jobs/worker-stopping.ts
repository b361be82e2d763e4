/**
 * The reason a worker aborts the jobs still running when its shutdown deadline passes. A step stopped for this reason
 * is not the run's failure: nothing final is recorded, and the job goes to another worker once its lock lapses.
 */
export class WorkerStopping extends Error {
  readonly code = 'WORKER_STOPPING';
  constructor() {
    super('the worker is shutting down; the run is handed to another worker');
    this.name = 'WorkerStopping';
  }
}

/** True when `signal` was aborted because the worker is shutting down. */
export function stoppedByShutdown(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof WorkerStopping;
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { type FetchFunction, WebAPIRequestError } from '@slack/web-api';

/** The turn a Slack call is made in: when the turn was asked for, and how old it may be when the call is sent. */
export interface Turn {
  /** performance.now() when the pacer was asked: the store stamped the turn no earlier than this. */
  askedAt: number;
  /** Older than this at the wire, the call is held back for the next turn. */
  maxAgeMs: number;
  /** Set once a request went out in this turn: a call's later requests (a file upload's steps) are not checked. */
  sent?: boolean;
}

const current = new AsyncLocalStorage<Turn>();

/** A call held back at the wire because its turn had grown too old while the process stalled. */
export class StaleTurn extends Error {
  constructor(ageMs: number) {
    super(`not sent: its turn came ${Math.round(ageMs)} ms ago (this process stalled); it takes the next turn`);
    this.name = 'StaleTurn';
  }
}

/** Runs `call` in `turn`: a Slack request it makes goes out only while the turn is young enough. */
export function inTurn<T>(turn: Turn, call: () => Promise<T>): Promise<T> {
  return current.run(turn, call);
}

/**
 * The fetch a Slack client sends with, checking the caller's turn at the last moment before the wire. The next turn
 * in the scope starts an interval after this one was stamped, and Slack measures arrivals: a call that reaches the
 * wire later than the interval's margin after its turn (the process stalled in between, anywhere in the client)
 * could arrive within Slack's second of the next one. Only a turn's first request is checked; requests made outside
 * a turn pass unchecked.
 */
export function turnCheckedFetch(base: FetchFunction = globalThis.fetch): FetchFunction {
  return (url, init) => {
    const turn = current.getStore();
    if (turn && !turn.sent) {
      const age = performance.now() - turn.askedAt;
      if (age > turn.maxAgeMs) return Promise.reject(new StaleTurn(age));
      turn.sent = true;
    }
    return base(url, init);
  };
}

/** Whether a Slack client's error is a call held back at the wire (the client wraps what its fetch throws). */
export function isStaleTurn(err: unknown): boolean {
  return err instanceof StaleTurn || (err instanceof WebAPIRequestError && err.original instanceof StaleTurn);
}

import type {
  ConfigurationOptions,
  ObservableMiddleware,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node';
import { z } from 'zod';
import { messageOf } from '../errors.js';
import type { KubeLib } from './kube-lib.js';

/** The Kubernetes API answered with an error status; `code` is the HTTP status, `reason` the Status reason. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  constructor(code: number, reason: string | undefined, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

// A metav1.Status body; every field is optional because proxies and webhooks answer with other shapes too.
const statusSchema = z.object({ message: z.string().optional(), reason: z.string().optional() });

function statusOf(body: unknown): { message?: string; reason?: string } {
  if (typeof body !== 'string' || body.trim() === '') return {};
  try {
    const parsed = statusSchema.safeParse(JSON.parse(body));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON (an HTML error page from a proxy, say): use the text itself.
  }
  return { message: body.trim().slice(0, 200) };
}

/** Turns what the client throws into an error whose message names the call, the HTTP code and the API's message. */
export function toKubeError(lib: KubeLib, err: unknown, what: string): Error {
  if (err instanceof lib.ApiException) {
    const body: unknown = err.body;
    const status = statusOf(body);
    const code: number = err.code;
    const reason = status.reason ? ` ${status.reason}` : '';
    const detail = status.message ?? (code === 401 ? 'Unauthorized (check the token)' : 'no message');
    return new KubeApiError(code, status.reason, `Kubernetes API answered ${code}${reason} to ${what}: ${detail}`);
  }
  // undici's fetch (client-node 2) fails with TypeError('fetch failed') and the socket's error as its cause.
  if (err instanceof TypeError && err.message === 'fetch failed') {
    const cause =
      err.cause instanceof Error
        ? `${'code' in err.cause ? `${String(err.cause.code)} ` : ''}${err.cause.message}`
        : 'no cause';
    return new Error(`Kubernetes API unreachable (${what}): ${cause}`, { cause: err });
  }
  return new Error(`Kubernetes ${what} failed: ${messageOf(err)}`, { cause: err });
}

/**
 * Per-call options that make the request honour `signal`. The generated ObjectParam API runs these as Observable
 * middleware, so `pre` returns the client's own Observable (a Promise-returning middleware breaks the chain here).
 */
export function signalOptions(
  lib: KubeLib,
  signal: AbortSignal | undefined,
): ConfigurationOptions<ObservableMiddleware> {
  if (!signal) return {};
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new lib.Observable(Promise.resolve(ctx));
    },
    post: (ctx: ResponseContext) => new lib.Observable(Promise.resolve(ctx)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

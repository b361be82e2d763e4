import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { V1Status } from '@kubernetes/client-node';
import { z } from 'zod';
import type { KubernetesTarget } from '../config/ops-config.js';
import { messageOf } from '../errors.js';
import { abortable } from './abortable.js';
import { buildKubeConfig } from './kube-config.js';
import { KubeApiError } from './kube-errors.js';
import { loadKubeLib } from './kube-lib.js';

/** How one command ran: its output (each stream bounded), and its exit code or the runtime's failure. */
export interface ExecResult {
  /** 0 for `Success`, the code of `NonZeroExitCode`; undefined when the command did not run to an exit. */
  exitCode: number | undefined;
  /** The status message when the command did not exit (e.g. the executable does not exist). */
  failure?: string;
  stdout: string;
  stderr: string;
  /** Bytes dropped past `maxOutputBytes`, per stream. */
  dropped: { stdout: number; stderr: number };
}

/** Options of one exec. */
export interface ExecOptions {
  signal?: AbortSignal;
  /** The command is abandoned (its stream closed) after this long. */
  timeoutMs: number;
  /** Bytes kept per stream (default 1 MiB); the rest is counted, not kept. */
  maxOutputBytes?: number;
  /** Called with each chunk as it arrives (for progress); what it sees is bounded like the result. */
  onOutput?(stream: 'stdout' | 'stderr', text: string): void;
}

/** Commands in the service's pods, through the API server's exec subresource (WebSocket, like `kubectl exec`). */
export interface KubeExec {
  readonly namespace: string;
  /** Runs argv (no shell) in a container of a pod; rejects on refusal, timeout or abort, resolves on exit. */
  exec(pod: string, container: string, argv: readonly string[], opts: ExecOptions): Promise<ExecResult>;
}

/** The command ran past its timeout; its stream was closed (the process itself may keep running in the pod). */
export class ExecTimeout extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s; its stream was closed`);
    this.name = 'ExecTimeout';
  }
}

const defaultMaxBytes = 1024 * 1024;

// The status channel's metav1.Status; only what says how the command ended.
const statusSchema = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  details: z
    .object({ causes: z.array(z.object({ reason: z.string().optional(), message: z.string().optional() })).optional() })
    .optional(),
});

/** The exit code a status channel message carries: 0 for Success, the ExitCode cause of NonZeroExitCode. */
export function exitOf(status: unknown): { exitCode: number | undefined; failure?: string } {
  const parsed = statusSchema.safeParse(status);
  if (!parsed.success) return { exitCode: undefined, failure: 'the exec status was not a Status object' };
  const s = parsed.data;
  if (s.status === 'Success') return { exitCode: 0 };
  if (s.reason === 'NonZeroExitCode') {
    const code = Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    if (Number.isInteger(code)) return { exitCode: code };
  }
  return { exitCode: undefined, failure: s.message ?? s.reason ?? 'the command failed without a message' };
}

/** Whether a result says the executable is not there: exit 127 (a shell's "command not found") or the runtime's. */
export function commandMissing(result: ExecResult): boolean {
  if (result.exitCode === 127) return true;
  return (
    result.exitCode === undefined && /executable file not found|no such file or directory/i.test(result.failure ?? '')
  );
}

/** Collects one stream up to a byte bound, passing what it keeps on. */
class BoundedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  // Chunks may end inside a UTF-8 character; what is passed on is decoded across them.
  private readonly decoder = new StringDecoder('utf8');
  private kept = 0;
  dropped = 0;

  constructor(
    private readonly max: number,
    private readonly onText: ((text: string) => void) | undefined,
  ) {
    super();
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = Math.max(0, this.max - this.kept);
    const keep = bytes.subarray(0, room);
    this.dropped += bytes.length - keep.length;
    if (keep.length > 0) {
      this.chunks.push(keep);
      this.kept += keep.length;
      const text = this.decoder.write(keep);
      if (text !== '') this.onText?.(text);
    }
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The HTTP status of a refused upgrade, from the WebSocket library's "Unexpected server response: 403". */
function refusedUpgrade(err: unknown, what: string): Error {
  // The WebSocket library rejects with an ErrorEvent (a message, not an Error) when the upgrade is refused.
  const event = z.object({ message: z.string() }).safeParse(err);
  const message = event.success ? event.data.message : messageOf(err);
  const code = Number(/Unexpected server response: (\d{3})/.exec(message)?.[1]);
  if (!Number.isInteger(code)) return new Error(`Kubernetes ${what} failed: ${message}`, { cause: err });
  const hint =
    code === 403
      ? 'forbidden (the bot needs create and get on pods/exec)'
      : code === 404
        ? 'the pod does not exist'
        : code === 400
          ? 'the API server refused the request (container name, or a pod not running)'
          : 'refused';
  return new KubeApiError(code, undefined, `Kubernetes API answered ${code} to ${what}: ${hint}`);
}

/** Connects to the configured cluster on first use; `where` is the config path used in error messages. */
export function createKubeExec(target: KubernetesTarget, where: string): KubeExec {
  const { namespace } = target;
  return {
    namespace,
    async exec(pod, container, argv, opts) {
      const what = `exec ${argv[0] ?? ''} in ${pod}/${container}`;
      opts.signal?.throwIfAborted();
      const lib = await loadKubeLib();
      const kc = buildKubeConfig(lib, target.cluster, `${where}.cluster`);
      const max = opts.maxOutputBytes ?? defaultMaxBytes;
      const stdout = new BoundedSink(max, opts.onOutput && ((t) => opts.onOutput?.('stdout', t)));
      const stderr = new BoundedSink(max, opts.onOutput && ((t) => opts.onOutput?.('stderr', t)));
      let settle: (status: V1Status | undefined) => void = () => {};
      const ended = new Promise<V1Status | undefined>((resolve) => {
        settle = resolve;
      });
      const deadline = AbortSignal.timeout(opts.timeoutMs);
      const stop = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
      const reasonOf = () =>
        opts.signal?.aborted ? opts.signal.reason : new ExecTimeout(`${argv.join(' ')} in ${pod}`, opts.timeoutMs);
      let socket: Awaited<ReturnType<InstanceType<typeof lib.Exec>['exec']>>;
      try {
        const connecting = new lib.Exec(kc).exec(
          namespace,
          pod,
          container,
          [...argv],
          stdout,
          stderr,
          null,
          false,
          (s) => settle(s),
        );
        // Aborted while connecting: a socket that opens after all is closed at once, not left running.
        socket = await abortable(connecting, stop, () => {
          connecting.then(
            (ws) => ws.close(),
            () => {},
          );
        });
      } catch (err) {
        if (stop.aborted) throw reasonOf();
        throw refusedUpgrade(err, what);
      }
      // The status arrives before the close; a close without one means the stream broke.
      socket.on('close', () => settle(undefined));
      if (socket.readyState === socket.CLOSED) settle(undefined);
      let status: V1Status | undefined;
      try {
        status = await abortable(ended, stop);
      } catch {
        socket.close();
        throw reasonOf();
      }
      const result: ExecResult = {
        ...(status === undefined
          ? { exitCode: undefined, failure: 'the exec stream closed without an exit status' }
          : exitOf(status)),
        stdout: stdout.text(),
        stderr: stderr.text(),
        dropped: { stdout: stdout.dropped, stderr: stderr.dropped },
      };
      return result;
    },
  };
}

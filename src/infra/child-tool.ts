import { type ChildProcess, spawn } from 'node:child_process';
import { scrubSecrets } from '../log.js';

/** How much of a tool's stderr is kept: enough for the last error lines, bounded whatever the tool prints. */
const stderrLimit = 16 * 1024;
/** Lines of stderr quoted in an error. */
const stderrLines = 6;

/** A command-line tool exited unsuccessfully; the message names the tool, how it ended and its last stderr lines. */
export class ToolError extends Error {
  readonly tool: string;
  readonly exitCode: number | null;
  constructor(tool: string, exitCode: number | null, message: string) {
    super(message);
    this.name = 'ToolError';
    this.tool = tool;
    this.exitCode = exitCode;
  }
}

/** A running tool: the child, and a promise that settles when it has exited and its pipes have closed. */
export interface RunningTool {
  child: ChildProcess;
  /** Resolves on exit code 0; rejects with a ToolError, the spawn error, or the signal's reason after an abort. */
  exited: Promise<void>;
  /** Kills the child at once (it is a client: the server rolls back what it had not committed). */
  kill(): void;
}

/** How to start a tool. */
export interface StartToolOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  stdin: 'pipe' | 'ignore';
  stdout: 'pipe' | 'ignore';
  /** Literal secrets (a password) to blank in quoted stderr, besides what scrubSecrets finds. */
  secrets?: (string | undefined)[];
}

/** Keeps only the tail of a growing text. */
function boundedTail(limit: number) {
  let text = '';
  return {
    append(chunk: Buffer) {
      text += chunk.toString('utf8');
      if (text.length > limit) text = text.slice(text.length - limit);
    },
    get text() {
      return text;
    },
  };
}

/** Removes secrets from tool output before it is quoted anywhere. */
function scrub(text: string, secrets: (string | undefined)[]): string {
  let out = scrubSecrets(text);
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}

/**
 * Starts `tool` with an argument array (never a shell, so nothing in the arguments is interpreted). Stderr is kept,
 * bounded, for the error message. Aborting the signal kills the child.
 */
export function startTool(tool: string, args: string[], opts: StartToolOptions): RunningTool {
  opts.signal?.throwIfAborted();
  const child = spawn(tool, args, { env: opts.env, stdio: [opts.stdin, opts.stdout, 'pipe'], shell: false });
  const stderr = boundedTail(stderrLimit);
  child.stderr?.on('data', (chunk: Buffer) => stderr.append(chunk));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const onAbort = () => kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const exited = new Promise<void>((resolve, reject) => {
    let spawnError: Error | undefined;
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError =
        err.code === 'ENOENT' ? new ToolError(tool, null, `${tool} is not installed (not found on PATH)`) : err;
    });
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      if (spawnError) return reject(spawnError);
      if (code === 0) return resolve();
      const lines = scrub(stderr.text, opts.secrets ?? [])
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l !== '')
        .slice(-stderrLines);
      const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
      const detail = lines.length > 0 ? `: ${lines.join(' | ')}` : ' (no error output)';
      reject(new ToolError(tool, code, `${tool} ${how}${detail}`));
    });
  });
  // Callers may attach to `exited` late (after a stream event); never let it count as unhandled meanwhile.
  exited.catch(() => {});
  return { child, exited, kill };
}

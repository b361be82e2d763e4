import { PassThrough, type Readable } from 'node:stream';
import { messageOf } from '../errors.js';
import { type RunningTool, startTool } from './child-tool.js';
import { dbnameConninfo, type PgConnection, parsePgUrl, pgToolEnvironment } from './pg-connection.js';

/** pg_dump's output: plain SQL (restored with psql) or the custom archive (restored with pg_restore). */
export type DumpFormat = 'plain' | 'custom';

// Restoring takes ACCESS EXCLUSIVE locks; a forgotten session must make it fail clearly, not wait for the step timeout.
const restoreOptions = { PGOPTIONS: '-c lock_timeout=120000 -c client_min_messages=warning' };

/**
 * Streams a dump of the database. Plain SQL carries `--clean --if-exists`, so it restores over an existing database;
 * neither format carries owners or grants, so it restores as any user. The stream ends only after pg_dump exited 0,
 * and errors with pg_dump's message otherwise; destroying it (or aborting) kills pg_dump.
 */
export function dumpDatabase(url: string, opts: { format: DumpFormat; signal?: AbortSignal }): Readable {
  const conn = parsePgUrl(url);
  const args =
    opts.format === 'plain'
      ? ['--format=plain', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--no-password']
      : ['--format=custom', '--no-owner', '--no-privileges', '--no-password'];
  const tool = startTool('pg_dump', args, {
    env: pgToolEnvironment(conn),
    signal: opts.signal,
    stdin: 'ignore',
    stdout: 'pipe',
    secrets: [conn.password],
  });
  return toolOutput(tool);
}

/**
 * A tool's stdout as a stream that ends only after the tool exited 0, and errors with its message otherwise;
 * destroying the stream kills the tool (and runs `onClose`).
 */
function toolOutput(tool: RunningTool, onClose?: () => void): PassThrough {
  const out = new PassThrough();
  // Not `end`: stdout closing is not success. The exit code decides whether the stream ends or errors.
  tool.child.stdout?.pipe(out, { end: false });
  let finished = false;
  tool.exited.then(
    () => {
      finished = true;
      out.end();
    },
    (err: unknown) => {
      finished = true;
      out.destroy(err instanceof Error ? err : new Error(messageOf(err)));
    },
  );
  out.once('close', () => {
    if (!finished) tool.kill();
    onClose?.();
  });
  return out;
}

/**
 * Feeds `source` into the tool's stdin and waits for it. If the source fails (S3 broke off, gunzip found corruption),
 * the tool is killed BEFORE its stdin is closed: a closed stdin is end-of-input to psql, which would then COMMIT a
 * half-read dump. Killed, its connection drops and the server rolls the whole transaction back.
 */
async function feed(
  tool: RunningTool,
  source: Readable,
  frame?: { before: string; afterCompleteSource: string },
): Promise<void> {
  const stdin = tool.child.stdin;
  if (!stdin) throw new Error('the tool has no stdin');
  if (frame) stdin.write(frame.before);
  let sourceError: Error | undefined;
  // EPIPE when the tool exits early on its own error: its exit code tells that story.
  stdin.on('error', () => {});
  source.once('error', (err) => {
    sourceError ??= err;
    tool.kill();
  });
  source.once('end', () => (frame ? stdin.end(frame.afterCompleteSource) : stdin.end()));
  source.pipe(stdin, { end: false });
  try {
    await tool.exited;
  } catch (err) {
    source.unpipe(stdin);
    source.destroy();
    if (sourceError) throw new Error(`Reading the backup failed: ${sourceError.message}`);
    throw err;
  }
  if (sourceError) throw new Error(`Reading the backup failed: ${sourceError.message}`);
  // A tool may finish before the last byte (pg_restore stops after the archive's last block): release the download.
  if (!source.readableEnded) source.destroy();
}

function restoreTool(tool: string, args: string[], conn: PgConnection, signal: AbortSignal | undefined): RunningTool {
  return startTool(tool, args, {
    env: pgToolEnvironment(conn, restoreOptions),
    signal,
    stdin: 'pipe',
    stdout: 'ignore',
    secrets: [conn.password],
  });
}

/**
 * Restores a plain SQL dump with psql in one transaction: it stops at the first error and then changes nothing.
 * We write BEGIN, and COMMIT only once the whole dump was read, instead of `--single-transaction` (which commits at
 * end of input): if this process dies mid-restore, the kernel closes psql's stdin, and an end of input without our
 * COMMIT leaves the transaction open until psql disconnects and the server rolls it back.
 */
export async function restorePlain(url: string, source: Readable, signal?: AbortSignal): Promise<void> {
  await restoreScript(url, source, { before: '', after: '' }, signal);
}

/**
 * Runs a SQL script with psql in one transaction, with our own SQL before the script (after BEGIN) and after it
 * (before COMMIT), e.g. drops of what the script recreates, and checks that must hold before anything is committed.
 * The same rule as restorePlain: COMMIT is written only once the whole script was read.
 */
export async function restoreScript(
  url: string,
  script: Readable,
  frame: { before: string; after: string },
  signal?: AbortSignal,
): Promise<void> {
  const conn = parsePgUrl(url);
  const args = ['-X', '-q', '--no-password', '-v', 'ON_ERROR_STOP=1', '-f', '-'];
  await feed(restoreTool('psql', args, conn, signal), script, {
    before: `BEGIN;\n${frame.before}`,
    afterCompleteSource: `\n${frame.after}\nCOMMIT;\n`,
  });
}

/**
 * The SQL script a custom-format archive holds, as pg_restore writes it without a database (`--file=-`). The stream
 * ends only after pg_restore exited 0 and errors with its message otherwise; a failing source kills pg_restore.
 */
export function archiveScript(source: Readable, signal?: AbortSignal): Readable {
  const tool = startTool('pg_restore', ['--file=-'], {
    env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_MESSAGES: 'C' },
    signal,
    stdin: 'pipe',
    stdout: 'pipe',
  });
  const out = toolOutput(tool, () => {
    if (!source.readableEnded) source.destroy();
  });
  const stdin = tool.child.stdin;
  // EPIPE when pg_restore exits on its own error: its exit code tells that story.
  stdin?.on('error', () => {});
  source.once('error', (err) => {
    out.destroy(new Error(`Reading the backup failed: ${err.message}`));
    tool.kill();
  });
  if (stdin) source.pipe(stdin);
  return out;
}

/** Restores a custom-format archive with pg_restore from stdin, in one transaction, over the existing objects. */
export async function restoreCustom(url: string, source: Readable, signal?: AbortSignal): Promise<void> {
  const conn = parsePgUrl(url);
  const args = [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--no-privileges',
    '--single-transaction',
    '--exit-on-error',
    '--no-password',
    // Only the database name: host, user and password come from the environment.
    `--dbname=${dbnameConninfo(conn.database)}`,
  ];
  await feed(restoreTool('pg_restore', args, conn, signal), source);
}

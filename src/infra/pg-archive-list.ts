import type { Readable } from 'node:stream';
import { startTool } from './child-tool.js';

/** What `pg_restore --list` said about an archive. */
export interface ArchiveListing {
  /** Table-of-contents entries (lines that are not `;` comments). */
  entries: number;
  /** The first lines of the listing (the guide pipes it through `head -20`). */
  head: string[];
}

/**
 * Streams a custom-format archive into `pg_restore --list` on stdin and reads its table of contents. Nothing is
 * written to disk and no database is contacted. pg_restore stops after the TOC, so the rest of the download is
 * released. A failing source kills pg_restore, and the source's error is what is reported.
 */
export async function listArchive(
  source: Readable,
  opts: { signal: AbortSignal; headLines: number },
): Promise<ArchiveListing> {
  const tool = startTool('pg_restore', ['--list'], {
    env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_MESSAGES: 'C' },
    signal: opts.signal,
    stdin: 'pipe',
    stdout: 'pipe',
  });
  const head: string[] = [];
  let entries = 0;
  let partial = '';
  const take = (line: string) => {
    if (line.trim() === '') return;
    if (head.length < opts.headLines) head.push(line);
    if (!line.startsWith(';')) entries += 1;
  };
  // Only counts and the first lines are kept, however long the listing is.
  tool.child.stdout?.setEncoding('utf8');
  tool.child.stdout?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) take(line);
  });

  const stdin = tool.child.stdin;
  if (!stdin) throw new Error('pg_restore has no stdin');
  let sourceError: Error | undefined;
  // EPIPE once pg_restore has read the TOC and exited: expected, its exit code tells the story.
  stdin.on('error', () => {});
  source.once('error', (err) => {
    sourceError ??= err;
    tool.kill();
  });
  source.once('end', () => stdin.end());
  source.pipe(stdin, { end: false });
  try {
    await tool.exited;
  } catch (err) {
    if (sourceError) throw new Error(`Reading the backup failed: ${sourceError.message}`);
    throw err;
  } finally {
    source.unpipe(stdin);
    if (!source.readableEnded) source.destroy();
  }
  if (sourceError) throw new Error(`Reading the backup failed: ${sourceError.message}`);
  take(partial);
  return { entries, head };
}

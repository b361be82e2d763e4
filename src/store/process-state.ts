import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Whether a process runs: it exists and is not a zombie. A zombie (exited, not yet reaped by its parent, e.g. an
 * orphan under an init that reaps slowly) still answers `kill(pid, 0)`, but holds nothing any more.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user (the postgres user, when the bot runs as root).
    if (!(err instanceof Error && 'code' in err && err.code === 'EPERM')) return false;
  }
  const stat = procFile(pid, 'stat');
  // /proc/<pid>/stat: "pid (comm) S ...": the state letter follows the last ')', since comm may hold one too.
  const state = stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** The process's command line with spaces between arguments, or undefined where /proc is not available. */
export function commandLine(pid: number): string | undefined {
  return procFile(pid, 'cmdline')?.replace(/\0/g, ' ').trim();
}

function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Waits until `pid` is gone, checking every `intervalMs`, for at most `timeoutMs`; says whether it went. Another
 * process's exit has no event to wait on (it is not our child), so this polls, with a bound.
 */
export async function waitForExit(pid: number, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (processAlive(pid)) {
    if (performance.now() >= deadline) return false;
    await delay(intervalMs);
  }
  return true;
}

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { commandLine, processAlive, waitForExit } from './process-state.js';

/** The data dir's instance lock, held while this process uses the embedded database. */
export interface DataDirLock {
  /** The previous holder died without releasing it (a crash, SIGKILL): what it left running may need stopping. */
  previousOwnerCrashed: boolean;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/** How long an orphaned PostgreSQL gets for a fast shutdown (it checkpoints first) before we give up. */
const orphanShutdownMs = 30_000;

/**
 * Whether `pid` is a live bot instance. A pid read from an old lock file may since belong to something else (after
 * a reboot, or in a container where pids repeat), so a live process counts only if it is a Node process, where
 * /proc can tell.
 */
function liveInstance(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !processAlive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd === undefined || cmd.includes('node');
}

/**
 * Takes `dataDir/instance.pid`, created exclusively so two starting instances cannot both take it. A lock whose
 * holder is gone is recovered with a log line. A live holder is refused with a ConfigError that names it and says
 * what to do. PostgreSQL's own postmaster.pid is the last guard should two instances race over a stale lock.
 */
export function lockDataDir(dataDir: string, log: Logger): DataDirLock {
  const lockFile = join(dataDir, 'instance.pid');
  let previousOwnerCrashed = false;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return {
        previousOwnerCrashed,
        release() {
          if (existsSync(lockFile) && readFileSync(lockFile, 'utf8').trim() === String(process.pid)) rmSync(lockFile);
        },
      };
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
    }
    let text: string;
    try {
      text = readFileSync(lockFile, 'utf8').trim();
    } catch {
      continue; // released between our attempt and the read: try again
    }
    const pid = Number(text);
    if (liveInstance(pid)) {
      throw new ConfigError(
        [
          `Another bot instance (pid ${pid}) is already using the embedded database in ${dataDir}.`,
          `Stop it first (kill ${pid}), or give this one its own data directory (DATA_DIR=/some/other/dir),`,
          'or point both at a shared database with DATABASE_URL (and REDIS_URL).',
        ].join('\n'),
      );
    }
    log.warn(
      { lockPid: text, dataDir },
      `recovered a stale instance lock: the instance that held ${lockFile} (pid ${text}) is gone, probably after a crash`,
    );
    previousOwnerCrashed = true;
    rmSync(lockFile, { force: true });
  }
  throw new ConfigError(`Could not take the instance lock ${lockFile}: other instances keep taking it.`);
}

/**
 * Makes `pgDir` free for a new PostgreSQL. A postmaster.pid whose process is gone (or is no longer postgres) is
 * removed. A PostgreSQL still running there is stopped with a fast shutdown when the instance that started it
 * crashed (`ownerCrashed`): after a SIGKILL of the bot, its postgres child keeps running and holds the data dir.
 * One that no crashed instance explains is someone else's, and is refused.
 */
export async function recoverOrphanedPostgres(pgDir: string, ownerCrashed: boolean, log: Logger): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const running = Number.isInteger(pid) && pid > 0 && processAlive(pid);
  const cmd = running ? commandLine(pid) : undefined;
  if (!running || (cmd !== undefined && !cmd.includes('postgres'))) {
    rmSync(pidFile, { force: true });
    log.warn(
      { postgresPid: pid, pgDir },
      `removed a stale postmaster.pid (pid ${pid} is not running PostgreSQL) left by a crash`,
    );
    return;
  }
  if (!ownerCrashed) {
    throw new ConfigError(
      `PostgreSQL (pid ${pid}) is running on ${pgDir}, but no bot instance owns that data directory. Stop it (kill -INT ${pid}), or set DATA_DIR to another directory.`,
    );
  }
  log.warn(
    { postgresPid: pid, pgDir },
    `stopping the embedded PostgreSQL (pid ${pid}) that a crashed instance left running`,
  );
  // SIGINT is PostgreSQL's fast shutdown: it ends the sessions, writes a checkpoint and exits cleanly.
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, orphanShutdownMs))) {
    throw new ConfigError(
      `The embedded PostgreSQL (pid ${pid}) left running on ${pgDir} by a crashed instance did not stop within ${orphanShutdownMs / 1000} s. Stop it (kill -INT ${pid}) and start again.`,
    );
  }
  log.info(
    { postgresPid: pid, pgDir },
    `stopped the embedded PostgreSQL (pid ${pid}) that a crashed instance left running`,
  );
}

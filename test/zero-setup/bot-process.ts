import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** One JSON log line of the bot (pino), with the fields the tests read. */
const logLine = z.looseObject({ level: z.string().or(z.number()), msg: z.string().default('') });
/** A parsed log line: `msg` plus whatever fields it carried. */
export type LogLine = z.infer<typeof logLine>;

/** The README's run command running as a child process, on its own data dir, with nothing configured. */
export interface BotProcess {
  pid: number;
  dataDir: string;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines so far. */
  logs(): LogLine[];
  /** Resolves with the first log line (now or later) matching; rejects on exit or after `timeoutMs`. */
  waitForLog(predicate: (line: LogLine) => boolean, description: string, timeoutMs?: number): Promise<LogLine>;
  /** Resolves once started: the playground URL it printed. */
  started(timeoutMs?: number): Promise<{ playgroundUrl: string }>;
  /** The embedded PostgreSQL's URL for a database, from DATA_DIR/pg.secret and the port it logged. */
  databaseUrl(database: string): string;
  /** Resolves with the exit code and signal once the process exited; rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal; `exited` tells when it took effect. */
  kill(signal: NodeJS.Signals): void;
  /** Signals the whole process group, as a terminal's Ctrl-C does (only for `npmStart`, which has its own group). */
  killGroup(signal: NodeJS.Signals): void;
}

/** A fresh data dir. As root, the embedded PostgreSQL runs as `postgres`, which must be able to enter it. */
export function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zero-setup-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Removes a data dir made by {@link freshDataDir}. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts `node --import tsx src/main.ts` with a clean environment: PATH, HOME, the data dir and free ports, and no
 * DATABASE_URL, REDIS_URL or Slack setting, so it takes the embedded default and stands the playground in for Slack.
 */
export function startBotProcess(
  dataDir: string,
  extraEnv: Record<string, string> = {},
  opts: { npmStart?: boolean } = {},
): BotProcess {
  // `npm start` runs in a process group of its own, as a terminal runs it: a group signal reaches npm and the bot.
  const [command, args] = opts.npmStart
    ? ['npm', ['start', '--silent']]
    : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  const child: ChildProcessWithoutNullStreams = spawn(command, args, {
    detached: opts.npmStart === true,
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATA_DIR: dataDir,
      PORT: '0',
      PLAYGROUND_PORT: '0',
      ...extraEnv,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: LogLine[] = [];
  const listeners = new Set<() => void>();
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const wake = () => {
    for (const listener of listeners) listener();
  };
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stdout += text;
    partial += text;
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      if (line.startsWith('{')) {
        const parsed = logLine.safeParse(JSON.parse(line));
        if (parsed.success) lines.push(parsed.data);
      }
      newline = partial.indexOf('\n');
    }
    wake();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    wake();
  });

  /** Resolves when `check` returns a value; `check` is asked on every output and on exit. */
  function until<T>(check: () => T | undefined, description: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        let found: T | undefined;
        try {
          found = check();
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        if (found !== undefined) {
          finish();
          resolve(found);
        }
      };
      const finish = () => {
        listeners.delete(listener);
        clearTimeout(timer);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`bot pid ${child.pid}: ${description} did not happen within ${timeoutMs} ms${tail()}`));
      }, timeoutMs);
      listeners.add(listener);
      listener();
    });
  }
  const tail = () => `\nstdout: ${stdout.slice(-3000)}\nstderr: ${stderr.slice(-3000)}`;

  const bot: BotProcess = {
    pid: child.pid ?? -1,
    dataDir,
    stdout: () => stdout,
    stderr: () => stderr,
    logs: () => [...lines],
    waitForLog(predicate, description, timeoutMs = 60_000) {
      return until(
        () => {
          const found = lines.find(predicate);
          if (found) return found;
          if (exit) throw new Error(`bot exited (${JSON.stringify(exit)}) before ${description}${tail()}`);
          return undefined;
        },
        description,
        timeoutMs,
      );
    },
    async started(timeoutMs = 90_000) {
      await bot.waitForLog((l) => l.msg === 'started', 'the "started" log line', timeoutMs);
      // main.ts prints the banner with the URL once start() returned, just after that line.
      const url = await until(
        () => {
          if (exit) throw new Error(`bot exited (${JSON.stringify(exit)}) before printing the playground URL${tail()}`);
          return /^ {4}(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout)?.[1];
        },
        'the playground URL',
        10_000,
      );
      return { playgroundUrl: url };
    },
    databaseUrl(database) {
      const started = [...lines].reverse().find((l) => l.msg === 'embedded PostgreSQL started');
      const port = z.number().int().parse(started?.port);
      const password = readFileSync(join(dataDir, 'pg.secret'), 'utf8').trim();
      return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    },
    exited(timeoutMs = 30_000) {
      return until(() => exit, 'exit', timeoutMs);
    },
    kill(signal) {
      child.kill(signal);
    },
    killGroup(signal) {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    },
  };
  return bot;
}

/**
 * PostgreSQL servers (postmasters) whose data dir is under `dataDir`, from /proc: what a stopped bot must not leave
 * behind. A backend the server has just forked carries the server's command line until it renames itself, so a
 * process whose parent is one of them is one of its children, not another server.
 */
export function postgresProcessesOn(dataDir: string): number[] {
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd: string;
    let stat: string;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone while we looked
    }
    // After the command name: state, then the parent's pid. A zombie holds nothing; it waits for its parent.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && cmd.includes('postgres') && cmd.includes(`-D ${join(dataDir, 'pg')}`)) {
      found.set(Number(entry), Number(ppid));
    }
  }
  return [...found].filter(([, ppid]) => !found.has(ppid)).map(([pid]) => pid);
}

import { runbooks } from '../jobs/registry.js';
import type { RunReport } from '../jobs/report.js';
import { parseStoredReport } from '../jobs/stored-report.js';
import type { Approval } from '../store/approvals.js';
import type { Run } from '../store/runs.js';
import type { StepCheckpoint } from '../store/steps.js';
import type { CommandDeps, CommandReply } from './command-types.js';

/** The history commands, answered from the store without a job. */
export const historyCommands = new Set(['runs', 'run', 'schedules']);

/** One run of a history listing. */
export interface RunSummary {
  id: string;
  runbook: string;
  environment: string;
  requestedBy: string;
  status: string;
  createdAt: Date;
  durationMs?: number;
}

/** The full story of one run. */
export interface RunDetail extends RunSummary {
  params: Record<string, unknown>;
  plan?: unknown;
  approvals: Pick<Approval, 'id' | 'status' | 'approvers' | 'decided_by' | 'decided_at' | 'reason' | 'quorum'>[];
  /** Each step's stored outcome: a skipped step carries its reason, as the report shows it. */
  steps: Pick<StepCheckpoint, 'name' | 'status' | 'error' | 'reason' | 'startedAt' | 'finishedAt'>[];
  report?: RunReport;
  error?: string;
}

/** A schedule with its next fire time. */
export interface ScheduleSummary {
  name: string;
  cron: string;
  tz: string;
  run: string;
  channel: string;
  quiet: boolean;
  next?: Date;
}

const mention = /^<@([UW][A-Z0-9]{2,})(\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$/;

function summary(r: Run): RunSummary {
  return {
    id: r.id,
    runbook: r.runbook,
    environment: r.environment,
    requestedBy: r.requested_by,
    status: r.status,
    createdAt: r.created_at,
    durationMs: r.started_at && r.finished_at ? r.finished_at.getTime() - r.started_at.getTime() : undefined,
  };
}

type Refuse = (message: string) => CommandReply;

/** `runs [n] [--runbook NAME] [--user @x]`, `run <id>`, `schedules`. */
export async function historyCommand(
  deps: CommandDeps,
  req: {
    serviceKey: string;
    serviceName: string;
    words: string[];
    flags: Record<string, string | true>;
    refuse: Refuse;
  },
): Promise<CommandReply> {
  const [command, ...args] = req.words;
  const unknownFlags = Object.keys(req.flags).filter((f) => !(command === 'runs' && (f === 'runbook' || f === 'user')));
  if (unknownFlags.length > 0) return req.refuse(`${command} does not take --${unknownFlags.join(', --')}.`);

  if (command === 'runs') {
    if (args.length > 1) return req.refuse('Usage: runs [n] [--runbook NAME] [--user @someone]');
    const n = args[0] === undefined ? 10 : Number(args[0]);
    if (!Number.isInteger(n) || n < 1 || n > 50) return req.refuse(`"${args[0]}" is not a count from 1 to 50.`);
    const runbook = req.flags.runbook;
    if (runbook === true || (runbook !== undefined && !runbooks.has(runbook))) {
      return req.refuse(`--runbook needs one of: ${[...runbooks.keys()].join(', ')}.`);
    }
    const user = req.flags.user;
    const userId = typeof user === 'string' ? mention.exec(user) : undefined;
    if (user !== undefined && !userId) return req.refuse('--user needs a mention (@someone) or a user ID.');
    const rows = await deps.store.runs.list({
      service: req.serviceKey,
      limit: n,
      runbook,
      requestedBy: userId ? (userId[1] ?? userId[3]) : undefined,
    });
    return { kind: 'runs', serviceName: req.serviceName, runs: rows.map(summary) };
  }

  if (command === 'run') {
    const id = args[0];
    if (args.length !== 1 || !id || !/^r-[0-9a-f]{4,32}$/.test(id))
      return req.refuse('Usage: run <run id>, e.g. run r-1a2b3c4d5e');
    const run = await deps.store.runs.get(id);
    if (!run || run.service !== req.serviceKey) return req.refuse(`There is no run ${id} for ${req.serviceName}.`);
    const [steps, approvals] = await Promise.all([deps.store.steps.list(id), deps.store.approvals.listForRun(id)]);
    const report = parseStoredReport(run.report);
    return {
      kind: 'run',
      serviceName: req.serviceName,
      run: {
        ...summary(run),
        params: run.params,
        plan: run.plan ?? undefined,
        approvals,
        steps,
        report,
        error: run.error ?? undefined,
      },
    };
  }

  if (args.length > 0) return req.refuse('Usage: schedules');
  const next = new Map((await deps.queue.listSchedules()).map((s) => [s.id, s.next]));
  return {
    kind: 'schedules',
    serviceName: req.serviceName,
    schedules: deps.config.schedules
      .filter((s) => s.service === req.serviceKey)
      .map((s) => {
        const at = next.get(`sched-${s.name}`);
        return {
          name: s.name,
          cron: s.cron,
          tz: s.tz,
          run: s.run,
          channel: s.channel,
          quiet: s.quiet,
          next: at ? new Date(at) : undefined,
        };
      }),
  };
}

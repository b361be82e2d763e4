import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { UserErrorCode } from '../errors.js';

/**
 * How a slash command ended: a run accepted, help shown, a read-only answer (history), refused with a user-facing
 * code, or failed on our side (an error, or no answer before Slack's 3 s ack deadline).
 */
export type CommandOutcome = 'accepted' | 'help' | 'answered' | UserErrorCode | 'error' | 'ack_timeout';

/** The final status of a run (`needs_attention` is not final: the run still ends in one of these). */
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'rejected' | 'expired';

/** How one step ended. */
export type StepOutcome = 'succeeded' | 'failed' | 'skipped';

/** What became of an approval request. */
export type ApprovalDecision = 'approved' | 'rejected' | 'expired' | 'superseded' | 'cancelled';

/** One Slack Web API call: answered ok, refused with a 429, or failed (HTTP error, `ok: false`, network). */
export type SlackCallOutcome = 'ok' | 'rate_limited' | 'error';

/** Jobs in the run queue by state, as `RunQueue.depth()` returns them. */
export interface QueueDepth {
  waiting: number;
  active: number;
  delayed: number;
}

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Prefix of every metric name; default `chatops_`. */
  prefix?: string;
  /** Labels on every sample, e.g. `{ role: 'worker' }`. */
  defaultLabels?: Record<string, string>;
  /** Also export prom-client's process metrics (CPU, memory, event loop lag); default true. */
  processMetrics?: boolean;
  /** A scrape waits at most this long for a source (the queue backend may be down); default 2000 ms. */
  sourceTimeoutMs?: number;
}

/** The bot's Prometheus metrics and the only way code records them. */
export interface Metrics {
  /** The registry behind /metrics (one per instance, so tests and processes never share state). */
  readonly registry: Registry;
  /** The Content-Type of {@link Metrics.render}'s output (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** Counts one slash command; `command` must be a bounded label (see `commandLabelOf`). */
  commandHandled(command: string, outcome: CommandOutcome): void;
  /** Counts a run reaching a final status; `seconds` (from its start) is observed when the run had started. */
  runFinished(runbook: string, status: RunOutcome, seconds?: number): void;
  /** Observes one step's duration (the histogram's `_count` counts steps by status). */
  stepFinished(runbook: string, step: string, status: StepOutcome, seconds: number): void;
  /** Counts one approval decision. */
  approvalDecided(decision: ApprovalDecision): void;
  /** Counts one Slack Web API call; `error` is Slack's error code (or `http_503`, `network`) when it failed. */
  slackCall(method: string, outcome: SlackCallOutcome, error?: string): void;
  /** Counts one alert group notification from Alertmanager, by its status, what it changed and its alert name. */
  alertReceived(status: string, outcome: 'new' | 'changed' | 'repeat' | 'unrouted', alertname: string): void;
  /** Counts one diagnosis run started by itself for a firing alert group. */
  alertDiagnosed(): void;
  /** Counts one silence made from Slack. */
  alertSilenced(): void;
  /** Sets where queue depth is read on each scrape; a failing or slow source leaves the gauge empty. */
  setQueueDepthSource(source: () => Promise<QueueDepth>): void;
  /** Sets where the outbox backlog is read on each scrape (0 until set: no outbox, nothing backlogged). */
  setOutboxBacklogSource(source: () => number): void;
  /** The exposition text of every metric. */
  render(): Promise<string>;
}

/** Run durations go from seconds (a health check) to hours (a restore of a large database). */
const runBuckets = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** Label values come from our own code, but are cut short anyway so a bug cannot explode the series count. */
function label(value: string): string {
  return value.length > 64 ? value.slice(0, 64) : value;
}

/** An error label: Slack's snake_case codes pass; anything else is reduced to them. */
function errorLabel(value: string | undefined): string {
  const cleaned = (value ?? 'unknown').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return cleaned.slice(0, 48) || 'unknown';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`metrics source took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Creates a registry with every metric of the bot; nothing is global, so two instances never mix. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'chatops_';
  const sourceTimeoutMs = options.sourceTimeoutMs ?? 2000;
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];

  const commands = new Counter({
    name: `${prefix}commands_total`,
    help: 'Slash commands handled, by command (runbook name, help or unknown) and outcome.',
    labelNames: ['command', 'outcome'] as const,
    registers,
  });
  const runs = new Counter({
    name: `${prefix}runs_total`,
    help: 'Runs that reached a final status, by runbook and status.',
    labelNames: ['runbook', 'status'] as const,
    registers,
  });
  const runSeconds = new Histogram({
    name: `${prefix}run_duration_seconds`,
    help: 'Time from a run starting to its final status, by runbook and status.',
    labelNames: ['runbook', 'status'] as const,
    buckets: runBuckets,
    registers,
  });
  const stepSeconds = new Histogram({
    name: `${prefix}step_duration_seconds`,
    help: 'Time one step of a run took, by runbook, step and status.',
    labelNames: ['runbook', 'step', 'status'] as const,
    buckets: runBuckets,
    registers,
  });
  const approvals = new Counter({
    name: `${prefix}approval_decisions_total`,
    help: 'Approval requests decided, by decision (approved, rejected, expired, superseded, cancelled).',
    labelNames: ['decision'] as const,
    registers,
  });
  const alertsReceived = new Counter({
    name: `${prefix}alert_notifications_total`,
    help: 'Alertmanager notifications received, by status, outcome (new group, changed, repeat, unrouted) and alert name.',
    labelNames: ['status', 'outcome', 'alertname'] as const,
    registers,
  });
  const alertDiagnoses = new Counter({
    name: `${prefix}alert_diagnoses_total`,
    help: 'Diagnosis runs started by themselves for firing alert groups.',
    registers,
  });
  const alertSilences = new Counter({
    name: `${prefix}alert_silences_total`,
    help: 'Alertmanager silences made from Slack.',
    registers,
  });
  const slackCalls = new Counter({
    name: `${prefix}slack_api_calls_total`,
    help: 'Slack Web API calls (each attempt), by method.',
    labelNames: ['method'] as const,
    registers,
  });
  const slackErrors = new Counter({
    name: `${prefix}slack_api_errors_total`,
    help: 'Slack Web API calls that failed, by method and error (Slack error code, http_NNN, network, ratelimited).',
    labelNames: ['method', 'error'] as const,
    registers,
  });
  const slackRateLimited = new Counter({
    name: `${prefix}slack_api_rate_limited_total`,
    help: 'Slack Web API calls answered with 429 Too Many Requests, by method.',
    labelNames: ['method'] as const,
    registers,
  });
  let queueDepthSource: (() => Promise<QueueDepth>) | undefined;
  let outboxBacklogSource: (() => number) | undefined;
  let failedSources: string[] = [];
  /** The queue gauge's collection in progress, so the error counter reports this scrape's failures too. */
  let queueCollection: Promise<void> = Promise.resolve();

  new Gauge({
    name: `${prefix}queue_jobs`,
    help: 'Jobs in the run queue, by state (waiting, active, delayed); read from the queue backend on each scrape.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      const source = queueDepthSource;
      if (!source) return;
      queueCollection = withTimeout(source(), sourceTimeoutMs).then(
        (depth) => {
          this.set({ state: 'waiting' }, depth.waiting);
          this.set({ state: 'active' }, depth.active);
          this.set({ state: 'delayed' }, depth.delayed);
        },
        // No sample rather than a stale one; the error counter says why the series is missing.
        () => void failedSources.push('queue_depth'),
      );
      return queueCollection;
    },
  });
  new Gauge({
    name: `${prefix}outbox_backlog`,
    help: 'Slack messages waiting in this instance’s outbox: posts waiting for their turn plus coalesced updates.',
    registers,
    collect() {
      this.reset();
      if (!outboxBacklogSource) return;
      try {
        this.set(outboxBacklogSource());
      } catch {
        failedSources.push('outbox_backlog');
      }
    },
  });
  // Registered after the gauges: prom-client collects every metric of a scrape at once, so this waits for them.
  new Counter({
    name: `${prefix}metrics_source_errors_total`,
    help: 'Scrapes where a gauge source failed or timed out (e.g. the queue backend was unreachable), by source.',
    labelNames: ['source'] as const,
    registers,
    async collect() {
      await queueCollection;
      for (const source of failedSources) this.inc({ source });
      failedSources = [];
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    commandHandled(command, outcome) {
      commands.inc({ command: label(command), outcome });
    },
    runFinished(runbook, status, seconds) {
      runs.inc({ runbook: label(runbook), status });
      if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) {
        runSeconds.observe({ runbook: label(runbook), status }, seconds);
      }
    },
    stepFinished(runbook, step, status, seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) return;
      stepSeconds.observe({ runbook: label(runbook), step: label(step), status }, seconds);
    },
    approvalDecided(decision) {
      approvals.inc({ decision });
    },
    alertReceived(status, outcome, alertname) {
      alertsReceived.inc({
        status: status === 'resolved' ? 'resolved' : 'firing',
        outcome,
        alertname: label(alertname),
      });
    },
    alertDiagnosed() {
      alertDiagnoses.inc();
    },
    alertSilenced() {
      alertSilences.inc();
    },
    slackCall(method, outcome, error) {
      const m = label(method);
      slackCalls.inc({ method: m });
      if (outcome === 'ok') return;
      slackErrors.inc({ method: m, error: outcome === 'rate_limited' ? 'ratelimited' : errorLabel(error) });
      if (outcome === 'rate_limited') slackRateLimited.inc({ method: m });
    },
    setQueueDepthSource(source) {
      queueDepthSource = source;
    },
    setOutboxBacklogSource(source) {
      outboxBacklogSource = source;
    },
    render() {
      return registry.metrics();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebClient } from '@slack/web-api';
import { validateAlertRunbooks } from './alerts/alert-commands.js';
import { startAlertService } from './alerts/alert-service.js';
import { type ExtraRoute, type SlackBot, startSlackBot } from './bot/app.js';
import { Outbox, type OutboxOptions } from './bot/outbox.js';
import { serveRoutes } from './bot/route-server.js';
import { slackGroupDirectory } from './bot/slack-groups.js';
import { createSlackPacer } from './bot/slack-pacer.js';
import { turnCheckedFetch } from './bot/slack-turn.js';
import { type Env, loadEnv } from './config/env.js';
import { loadOpsConfig, type OpsConfig } from './config/ops-config.js';
import { ConfigError, messageOf } from './errors.js';
import { cachedGroupDirectory } from './handlers/group-cache.js';
import { createInfra } from './infra/infra.js';
import { startApprovalExpiry } from './jobs/approval-expiry.js';
import { createCancelBus } from './jobs/cancel-bus.js';
import { preloadRunbookLibraries } from './jobs/preload.js';
import { createQueueBackend, type QueueConnection, type RunQueue, type RunWorker } from './jobs/queue.js';
import { runbooks } from './jobs/registry.js';
import { startReportRedelivery } from './jobs/report-delivery.js';
import { createRunExecutor } from './jobs/run-executor.js';
import type { RunTarget } from './jobs/runbook.js';
import { syncSchedules, validateSchedules } from './jobs/schedules.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics } from './metrics/metrics.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { measuredSlackFetch } from './metrics/slack-fetch.js';
import { playgroundBanner } from './playground/banner.js';
import { startDemoTargets, withDefaults } from './playground/demo-targets.js';
import { playgroundRoster } from './playground/roster.js';
import { type Playground, startPlayground } from './playground/server.js';
import { shouldStandInForSlack } from './playground/stand-in.js';
import { slackLibraryLogger } from './slack-logger.js';
import { openStoreDb, type StoreDb } from './store/db.js';
import { startEmbeddedPostgres } from './store/embedded-postgres.js';
import { migrateStore } from './store/migrate.js';
import { createStore } from './store/store.js';

/** What `start` needs beyond the environment; tests pass a config object and a logger. */
export interface StartOptions {
  env: Env;
  config?: OpsConfig;
  log?: Logger;
  outbox?: Partial<OutboxOptions>;
  /** Worker lock timing (tests shorten it to exercise stalled-job recovery). */
  worker?: { lockDurationMs?: number; stalledIntervalMs?: number };
}

/** A running instance: the bot, the worker, or both. */
export interface Instance {
  /** The HTTP port: /slack/events in HTTP mode, and the probes. */
  port: number;
  queueKind: QueueConnection['kind'];
  /** The local Slack playground's page, when no Slack setting was given and it stands in for Slack. */
  playgroundUrl?: string;
  stop(): Promise<void>;
}

/** Says exactly which Slack settings are missing and how to get them. */
function missingSlackSettings(env: Env): string | undefined {
  const missing: string[] = [];
  if (!env.SLACK_BOT_TOKEN) missing.push('SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token, xoxb-…)');
  if (env.ROLE !== 'worker' && !env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    missing.push(
      'SLACK_SIGNING_SECRET (Basic Information → App Credentials → Signing Secret), or SLACK_APP_TOKEN (xapp-…, for Socket Mode)',
    );
  }
  if (missing.length === 0) return undefined;
  return [
    'Slack credentials are missing:',
    ...missing.map((m) => `  - ${m}`),
    'Create the app from manifest.yml at https://api.slack.com/apps (From an app manifest), install it to your workspace,',
    'then put the values in .env (see .env.example). See README.md, "Connect a real Slack workspace".',
  ].join('\n');
}

/** How long a worker waits for its first readiness probe before it loads the runbooks' libraries anyway. */
const readyGraceMs = 1_000;

function probeRoutes(ready: () => Promise<string | undefined>): ExtraRoute[] {
  const send = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return [
    { path: '/healthz', method: 'GET', handler: (_req, res) => send(res, 200, { status: 'ok' }) },
    {
      path: '/readyz',
      method: 'GET',
      handler: (_req, res) => {
        ready().then(
          (problem) =>
            problem ? send(res, 503, { status: 'unavailable', problem }) : send(res, 200, { status: 'ready' }),
          (err: unknown) => send(res, 503, { status: 'unavailable', problem: messageOf(err) }),
        );
      },
    },
  ];
}

/** Starts the bot and/or worker as ROLE says, on the queue backend DESIGN.md describes. */
export async function start(opts: StartOptions): Promise<Instance> {
  let env = opts.env;
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const configFile = resolve(env.OPS_CONFIG ?? 'config/ops.yml');
  // Without any Slack setting, the local playground stands where Slack would (issue: zero-setup).
  const standIn = shouldStandInForSlack(env);
  const slackProblem = standIn ? undefined : missingSlackSettings(env);
  if (slackProblem) throw new ConfigError(slackProblem);
  // Fail on a bad ops config before starting anything.
  let config = opts.config ?? loadOpsConfig(configFile);

  const stops: (() => Promise<unknown>)[] = [];
  // The whole shutdown fits in SHUTDOWN_TIMEOUT_MS: each bounded step gets what is left of it.
  let stopDeadline = Number.POSITIVE_INFINITY;
  const leftOfShutdown = (reserveMs: number) =>
    Math.max(0, Math.min(env.SHUTDOWN_TIMEOUT_MS, stopDeadline - Date.now()) - reserveMs);
  const stopAll = async () => {
    stopDeadline = Date.now() + env.SHUTDOWN_TIMEOUT_MS;
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'shutdown step failed'));
  };
  try {
    let storeUrl = env.DATABASE_URL;
    if (!storeUrl) {
      const dataDir = resolve(env.DATA_DIR ?? '.data');
      const embedded = await startEmbeddedPostgres(dataDir, log);
      stops.push(() => embedded.stop());
      storeUrl = embedded.url;
      if (!env.REDIS_URL && !opts.config) {
        // Nothing configured at all: give the default targets something real on this machine.
        const demo = await startDemoTargets(dataDir, embedded, log);
        stops.push(() => demo.close());
        config = loadOpsConfig(configFile, withDefaults(process.env, demo.env));
      }
    }

    // Before the playground, which keeps its channel in the store (and is stopped before it).
    const storeDb: StoreDb = openStoreDb(storeUrl, env.STORE_SCHEMA ?? 'thermaliq');
    stops.push(() => storeDb.close());
    const applied = await migrateStore(storeDb);
    if (applied.length > 0) log.info({ applied }, 'store migrations applied');
    const store = createStore(storeDb);

    let playground: Playground | undefined;
    if (standIn) {
      // The playground gets credentials made up for this run. The bot is pointed at it like at any Slack
      // (SLACK_API_URL, signed requests) and can't tell the difference.
      const roster = playgroundRoster(config);
      config = roster.config;
      const signingSecret = randomBytes(32).toString('hex');
      const playgroundToken = `xoxb-playground-${randomBytes(16).toString('hex')}`;
      const started = await startPlayground({
        port: env.PLAYGROUND_PORT,
        host: env.PLAYGROUND_HOST,
        signingSecret,
        botToken: playgroundToken,
        channel: roster.channel,
        users: roster.users,
        commands: Object.values(config.services).map((s) => s.command),
        history: storeDb.pool,
        log,
      });
      playground = started;
      // Pushed first among the Slack parts, stopped last: the outbox still drains into it at shutdown.
      stops.push(() => started.close());
      env = {
        ...env,
        SLACK_API_URL: started.apiUrl,
        SLACK_BOT_TOKEN: playgroundToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_APP_TOKEN: undefined,
      };
    }
    const botToken = env.SLACK_BOT_TOKEN ?? '';

    const conn: QueueConnection = env.REDIS_URL
      ? { kind: 'redis', url: env.REDIS_URL, prefix: env.QUEUE_PREFIX ?? 'thermaliq' }
      : { kind: 'postgres', url: storeUrl, schema: `${env.STORE_SCHEMA ?? 'thermaliq'}_queue` };
    const backend = createQueueBackend(env.QUEUE_NAME ?? 'runbooks', conn, {
      completed: env.JOB_RETENTION_COMPLETED,
      failed: env.JOB_RETENTION_FAILED,
      ageSeconds: env.JOB_RETENTION_AGE_SECONDS,
    });
    // BullMQ's PostgreSQL schema must exist before any worker starts.
    await backend.prepare();
    const queue: RunQueue = backend.createQueue();
    stops.push(() => queue.close());
    validateSchedules(config, runbooks);
    validateAlertRunbooks(config, runbooks);
    await syncSchedules(queue, config, log.child({ component: 'schedules' }));
    log.info({ queue: conn.kind }, 'queue backend ready');

    const metrics = createMetrics({ defaultLabels: { role: env.ROLE } });
    const slack = new WebClient(botToken, {
      slackApiUrl: env.SLACK_API_URL,
      rejectRateLimitedCalls: true,
      logger: slackLibraryLogger(log, 'web-api'),
      retryConfig: { retries: 0 },
      // No Slack call may hang a run or a shutdown.
      timeout: 10_000,
      // Counts every Slack call, error and 429, whoever makes it; a call whose turn grew old is held back first.
      fetch: turnCheckedFetch(measuredSlackFetch(metrics)),
    });
    // Slack's limits are kept for all instances together, in the queue's Redis (or PostgreSQL).
    const pacer = createSlackPacer(conn);
    stops.push(() => pacer.close());
    const outbox = new Outbox(slack, log.child({ component: 'outbox' }), { pacer, ...opts.outbox });
    metrics.setQueueDepthSource(() => queue.depth());
    metrics.setOutboxBacklogSource(() => outbox.backlog());
    // Bounded: what Slack did not take by then stays in the store for the redelivery sweeper.
    stops.push(() => outbox.drain(Math.max(200, leftOfShutdown(500))));

    const infraFor = (target: RunTarget) =>
      createInfra(target.env, { serviceKey: target.serviceKey, environment: target.environment });
    const cancelBus = createCancelBus(conn, env.QUEUE_NAME ?? 'runbooks');
    stops.push(() => cancelBus.close());

    let worker: RunWorker | undefined;
    // Resolved once the runbooks' libraries are loaded (after start); a worker takes jobs only then.
    let librariesLoaded: () => void = () => {};
    const libraries = new Promise<void>((resolve) => {
      librariesLoaded = resolve;
    });
    if (env.ROLE !== 'bot') {
      const runExecutor = createRunExecutor({
        config,
        store,
        reporter: outbox,
        log: log.child({ component: 'worker' }),
        createInfra: infraFor,
        lateAfterMs: env.SCHEDULE_LATE_AFTER_MS,
        metrics,
      });
      const w = backend.createWorker(runExecutor, {
        concurrency: env.WORKER_CONCURRENCY,
        lockDurationMs: opts.worker?.lockDurationMs ?? env.WORKER_LOCK_DURATION_MS,
        stalledIntervalMs: opts.worker?.stalledIntervalMs ?? env.WORKER_STALLED_INTERVAL_MS,
        // Loading them holds the event loop: a job taken before would have its lock go unrenewed meanwhile.
        startAfter: libraries,
      });
      worker = w;
      // A cancel click may land on any instance; the one holding the run aborts it.
      const cancelHeld = (runId: string) => {
        if (w.cancel(runId, 'cancelled from Slack')) log.info({ runId }, 'run cancelled on this worker');
      };
      await cancelBus.subscribe(cancelHeld, () => {
        // Broadcasts sent while the subscription was down are lost: the store's cancel flags say what was missed.
        for (const runId of w.held()) {
          store.runs.get(runId).then(
            (run) => run?.cancel_requested_at && cancelHeld(runId),
            (err: unknown) => log.warn({ runId, err }, 'could not read a held run to resync its cancel flag'),
          );
        }
      });
      // The rest of the budget is for the outbox to deliver what the stopping runs reported, and the store.
      stops.push(async () => log.info({ outcome: await w.close(leftOfShutdown(1500)) }, 'worker stopped'));
    }
    const stopExpiry = startApprovalExpiry(
      { config, store, reporter: outbox, metrics, log: log.child({ component: 'approvals' }) },
      env.APPROVAL_SWEEP_MS,
    );
    stops.push(stopExpiry);
    if (env.ROLE !== 'bot') {
      stops.push(
        startReportRedelivery(
          { config, store, reporter: outbox, log: log.child({ component: 'delivery' }) },
          { intervalMs: env.REPORT_REDELIVERY_MS, graceMs: env.REPORT_REDELIVERY_GRACE_MS },
        ),
      );
    }

    // The first time the instance says it is ready (or after readyGraceMs), a worker loads the runbooks' libraries:
    // evaluating them holds the event loop for a few hundred ms, which would hold the first readiness answer too.
    // The worker takes its first job after them, so no job's lock waits on them.
    let firstReady: () => void = () => {};
    const answeredReady = new Promise<void>((resolve) => {
      firstReady = resolve;
    });
    const ready = async () => {
      await storeDb.pool.query('SELECT 1');
      await queue.depth();
      firstReady();
      return undefined;
    };
    let bot: SlackBot | undefined;
    let port = env.PORT;
    if (env.ROLE !== 'worker') {
      const groupTtlMs = config.usergroupCacheSeconds * 1000;
      const groups = cachedGroupDirectory(slackGroupDirectory(slack), groupTtlMs, Date.now, undefined, (group, err) =>
        log.warn({ group, err }, 'a user group could not be resolved; it grants nothing until the next lookup'),
      );
      // Alertmanager's webhook is served beside the Slack endpoints (in Socket Mode, beside the probes).
      const alerts = startAlertService(
        { config, store, queue, outbox, metrics, log: log.child({ component: 'alerts' }) },
        { sweepMs: env.ALERT_SWEEP_MS, graceMs: env.ALERT_SWEEP_GRACE_MS },
      );
      if (alerts) stops.push(async () => alerts.stop());
      bot = await startSlackBot(
        {
          botToken,
          signingSecret: env.SLACK_SIGNING_SECRET ?? '',
          appToken: env.SLACK_APP_TOKEN,
          apiUrl: env.SLACK_API_URL,
          port: env.PORT,
          host: env.HOST,
        },
        config,
        {
          config,
          store,
          queue,
          groups,
          outbox,
          reporter: outbox,
          cancelBus,
          metrics,
          createInfra: infraFor,
          log: log.child({ component: 'bot' }),
        },
        [...probeRoutes(ready), metricsRoute(metrics), ...(alerts ? [alerts.route] : [])],
      );
      const started = bot;
      // Stop taking commands first, so nothing new arrives while the worker drains.
      stops.push(() => started.stop());
      port = bot.port;
      playground?.setBotEventsUrl(`http://127.0.0.1:${bot.port}/slack/events`);
    } else {
      const server = await serveRoutes([...probeRoutes(ready), metricsRoute(metrics)], env.PORT, env.HOST);
      stops.push(() => server.close());
      port = server.port;
    }
    log.info({ role: env.ROLE, port, queue: conn.kind, worker: worker !== undefined }, 'started');
    if (worker) {
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, readyGraceMs);
      });
      void Promise.race([answeredReady, grace])
        .then(() => {
          clearTimeout(graceTimer);
          // After the readiness answer has been written, not in the same turn.
          return new Promise((resolve) => setImmediate(resolve));
        })
        .then(preloadRunbookLibraries)
        .catch((err: unknown) => log.warn({ err }, 'runbook libraries did not load; runs load them when needed'))
        .finally(librariesLoaded);
    }
    let stopping: Promise<void> | undefined;
    return {
      port,
      queueKind: conn.kind,
      playgroundUrl: playground?.url,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function main(): Promise<void> {
  let log: Logger | undefined;
  try {
    // .env is optional; real deployments pass the environment directly.
    if (existsSync('.env')) process.loadEnvFile('.env');
    const env = loadEnv();
    log = createLogger(env.LOG_LEVEL);
    const instance = await start({ env, log });
    if (instance.playgroundUrl) process.stdout.write(playgroundBanner(instance.playgroundUrl));
    const logger = log;
    let stopping = false;
    const shutdown = (signal: string) => {
      // A terminal's Ctrl-C reaches the bot twice (from the terminal and relayed by npm): one shutdown, not a kill.
      if (stopping) {
        logger.info({ signal }, 'already shutting down');
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down: no new jobs; running ones get SHUTDOWN_TIMEOUT_MS to finish');
      instance.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  } catch (err) {
    // Boot errors are for people: the message, never a stack trace.
    const text = err instanceof ConfigError ? err.message : `Could not start: ${messageOf(err)}`;
    process.stderr.write(`${text}\n`);
    process.exit(1);
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) void main();

import { readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, messageOf } from '../errors.js';
import { alertsConfigSchema } from './alerts-config.js';
import { capacityConfigSchema } from './capacity-config.js';
import { drConfigSchema } from './dr-config.js';
import { interpolate } from './interpolate.js';
import { logsConfigSchema } from './logs-config.js';
import { scriptsSchema } from './scripts-config.js';
import { secretsConfigSchema } from './secrets-config.js';
import { thresholdsSchema } from './thresholds.js';
import { tuningConfigSchema } from './tuning-config.js';

/** An optional string where an empty value (e.g. `${VAR:-}`) means "not configured". */
const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** A boolean that may come from `${VAR}` interpolation as the text "true" or "false". */
const flag = (def: boolean) =>
  z.preprocess(
    (v) => (v === 'true' ? true : v === 'false' ? false : v === '' ? undefined : v),
    z.boolean().default(def),
  );

const optionalUrl = (schemes: RegExp, example: string) =>
  optional.pipe(
    z
      .string()
      .regex(schemes, { message: `expected a URL like ${example}` })
      .optional(),
  );

const labelSelector = z
  .string()
  .regex(/^[A-Za-z0-9._/-]+(!?=[A-Za-z0-9._-]*)?(,[A-Za-z0-9._/-]+(!?=[A-Za-z0-9._-]*)?)*$/, {
    message: 'expected an equality label selector such as app=thermaliq',
  });

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'expected a Kubernetes name (lowercase, digits, - and .)' })
  .max(253);

const clusterSchema = z
  .object({
    /** API server URL; with `token`, the bot talks to it directly. */
    server: optionalUrl(/^https?:\/\//, 'https://10.0.0.1:6443'),
    token: optional,
    caFile: optional,
    skipTLSVerify: flag(false),
    /** Path to a kubeconfig file, and optionally the context in it. */
    kubeconfig: optional,
    context: optional,
    /** Use the pod's service account. */
    inCluster: flag(false),
  })
  .strict();

/** The scan Job's settings when the config gives none (trivy pinned to a release, not `latest`). */
export const scannerDefaults = {
  image: 'aquasec/trivy:0.57.0',
  deadlineSeconds: 600,
  ttlSecondsAfterFinished: 3600,
  cpu: '500m',
  memory: '1Gi',
};

const scannerSchema = z
  .object({
    image: z.string().min(1).default(scannerDefaults.image),
    // Under the 15 min the scan's wait step allows, so the cluster's own deadline fails the Job first and says so.
    deadlineSeconds: z.number().int().min(30).max(840).default(scannerDefaults.deadlineSeconds),
    ttlSecondsAfterFinished: z.number().int().min(0).max(604_800).default(scannerDefaults.ttlSecondsAfterFinished),
    cpu: z
      .string()
      .regex(/^\d+(\.\d+)?m?$/, { message: 'expected a CPU quantity such as 500m' })
      .default(scannerDefaults.cpu),
    memory: z
      .string()
      .regex(/^\d+(Ki|Mi|Gi)?$/, { message: 'expected a memory quantity such as 1Gi' })
      .default(scannerDefaults.memory),
  })
  .strict();

const kubernetesSchema = z
  .object({
    namespace: k8sName,
    deployment: k8sName,
    labelSelector,
    cluster: clusterSchema.optional(),
    /** cert-manager Certificate names to check; empty means every Certificate in the namespace. */
    certificates: z.array(k8sName).default([]),
    /** The Ingress `maintenance on|off` switches, and the Service it points at during maintenance (VCCI guide). */
    ingress: k8sName.optional(),
    maintenanceService: z
      .object({
        name: k8sName,
        port: z.union([
          z.number().int().min(1).max(65535),
          z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
            .max(15),
        ]),
      })
      .strict()
      .optional(),
    /** Pod-log lines read per pod for the error scan. */
    logTailLines: z.number().int().min(1).max(100_000).default(1000),
    /** The Argo Rollouts `Rollout` of `rollout …` (argoproj.io/v1alpha1); the deployment's name when unset. */
    rollout: k8sName.optional(),
    /** How long `rollout promote|abort|undo` wait for the controller's result (default 600). */
    rolloutWaitSeconds: z.number().int().min(1).max(3600).optional(),
    /** The Job `scan image` starts: trivy's image, its deadline, how long the finished Job is kept, its resources. */
    scanner: scannerSchema.optional(),
  })
  .strict();

const prometheusSchema = z
  .object({
    url: optionalUrl(/^https?:\/\//, 'http://prometheus:9090'),
    /** PromQL per check; the defaults are the guides' queries with `{service}` replaced by the service key. */
    queries: z
      .object({
        errorRate: optional,
        p95Latency: optional,
        cacheHitRate: optional,
        diskUsagePercent: optional,
      })
      .strict()
      .default({}),
    /** PromQL templates for `perf` and the monthly audit ({service}, {window}, {quantile}), where metric names differ. */
    perf: z.object({ throughput: optional, errorRatio: optional, latency: optional }).strict().default({}),
  })
  .strict();

const backupsSchema = z
  .object({
    bucket: optional.pipe(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name' })
        .optional(),
    ),
    prefix: z
      .string()
      .default('')
      .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
        message: 'expected a relative prefix without ".." such as thermaliq/production/',
      }),
    endpoint: optionalUrl(/^https?:\/\//, 'https://s3.eu-west-1.amazonaws.com'),
    region: z.string().default('us-east-1'),
    forcePathStyle: flag(false),
    accessKeyId: optional,
    secretAccessKey: optional,
    /** How long backups are kept; `backup prune` deletes what falls outside. THERMALIQ guide: 30 d / 90 d / 1 y. */
    retention: z
      .object({
        dailyDays: z.number().int().min(1).max(3650).default(30),
        weeklyDays: z.number().int().min(1).max(3650).default(90),
        monthlyDays: z.number().int().min(1).max(36500).default(365),
        /** Never prune below this many of the newest backups, whatever their age. */
        keepAtLeast: z.number().int().min(1).max(1000).default(3),
      })
      .strict()
      .default({ dailyDays: 30, weeklyDays: 90, monthlyDays: 365, keepAtLeast: 3 }),
  })
  .strict();

const verifyQuerySchema = z
  .object({
    /** Shown in the plan and the report. */
    name: z.string().min(1).max(80),
    /** A read-only query returning one number, e.g. SELECT count(*) FROM tenants. */
    query: z
      .string()
      .min(1)
      .refine((q) => /^\s*(select|with)\b/i.test(q) && !q.includes(';'), {
        message: 'expected one SELECT (or WITH … SELECT) statement without ";"',
      }),
    /** The smallest acceptable value. */
    min: z.number().default(1),
  })
  .strict();

const environmentSchema = z
  .object({
    kubernetes: kubernetesSchema.optional(),
    database: z
      .object({ url: optionalUrl(/^postgres(ql)?:\/\//, 'postgres://user@host:5432/db') })
      .strict()
      .optional(),
    cache: z
      .object({
        url: optionalUrl(/^rediss?:\/\//, 'redis://host:6379/0'),
        keyPrefix: z.string().default(''),
      })
      .strict()
      .optional(),
    backups: backupsSchema.optional(),
    prometheus: prometheusSchema.optional(),
    healthUrl: optionalUrl(/^https?:\/\//, 'https://api.example.com/health'),
    /** Per-pod capacity and queries for `capacity` (see capacity-config.ts). */
    capacity: capacityConfigSchema.optional(),
    /** The secondary `dr drill` checks, its probe and RTO target (see dr-config.ts). */
    dr: drConfigSchema.optional(),
    /** Commands `script` runs in a pod; added to (or, by name, replacing) the service's own. */
    scripts: scriptsSchema.default([]),
    /** The Secrets `rotate db-password` and `rotate internal-cert` change. */
    secrets: secretsConfigSchema.optional(),
    /** The database server's memory and the application's worker variables, for `tune db` and `tune workers`. */
    tuning: tuningConfigSchema.optional(),
    /** The S3 log archive and Elasticsearch indices `logs prune` deletes past their retention. */
    logs: logsConfigSchema.optional(),
    /** host:port endpoints whose certificate is checked with a TLS handshake. */
    tlsEndpoints: z
      .array(
        z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { message: 'expected host:port such as api.example.com:443' }),
      )
      .default([]),
    approvals: z
      .object({ quorum: z.number().int().min(1).max(10).default(1) })
      .strict()
      .default({ quorum: 1 }),
    /** Prices for the monthly audit's compute cost estimate. */
    cost: z
      .object({
        /** Per pod-hour; no default, neither guide gives one. */
        podHourUsd: z.number().positive().optional(),
        /** Per CPU-hour requested; the THERMALIQ guide's figure. */
        cpuHourUsd: z.number().positive().default(0.05),
      })
      .strict()
      .optional(),
    /** Queries that must hold after a restore (and in the monthly restore test). */
    restore: z
      .object({
        verify: z.array(verifyQuerySchema).max(20).default([]),
        /**
         * side-by-side restores into a fresh database and swaps it in (seconds of downtime); in-place restores over
         * production while it is scaled down. auto: side by side wherever the server allows it.
         */
        mode: z.enum(['auto', 'side-by-side', 'in-place']).default('auto'),
        /** Bytes the server has free for a second copy; side by side is not chosen when production is larger. */
        freeBytes: z.number().int().positive().optional(),
        /** Also pg_dump production to S3 before a side-by-side restore (in place always does). */
        preRestoreDump: z.boolean().default(false),
        /** Pre-restore databases `restore cleanup` keeps: the newest `count`, and any younger than `days`. */
        keep: z
          .object({ count: z.number().int().nonnegative().default(1), days: z.number().nonnegative().default(7) })
          .strict()
          .default({ count: 1, days: 7 }),
      })
      .strict()
      .optional(),
  })
  .strict();

const serviceSchema = z
  .object({
    /** The slash command that addresses this service, e.g. /thermaliq. */
    command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, { message: 'expected a slash command such as /thermaliq' }),
    displayName: z.string().min(1),
    defaultEnvironment: z.string().default('production'),
    thresholds: thresholdsSchema.partial().default({}),
    /** Commands `script` runs in a pod of the service, in every environment (see scripts-config.ts). */
    scripts: scriptsSchema.default([]),
    environments: z.record(
      z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'expected a lowercase environment name' }),
      environmentSchema,
    ),
  })
  .strict();

/** A cron expression BullMQ's parser accepts (5 fields, or 6 with seconds; `0#1` = first Sunday). */
const cronPattern = z.string().refine(
  (p) => {
    try {
      CronExpressionParser.parse(p, { tz: 'UTC' });
      return p.trim().split(/\s+/).length >= 5;
    } catch {
      return false;
    }
  },
  { message: 'expected a cron expression such as "0 9 * * *" (minute hour day month weekday)' },
);

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as UTC or Europe/Berlin' },
);

const scheduleSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, { message: 'expected a lowercase name such as daily-digest' }),
    cron: cronPattern,
    tz: timeZone.default('UTC'),
    /** The runbook to run, as its command words (e.g. "digest daily"). */
    run: z.string().min(1),
    service: z.string(),
    environment: z.string().optional(),
    /** Where to post; empty disables the schedule (so `${VAR:-}` can leave it off). */
    channel: z
      .string()
      .regex(/^([CG][A-Z0-9]{2,})?$/, { message: 'expected a channel ID (C…/G…)' })
      .default(''),
    /** Post only when something is warn or fail. */
    quiet: flag(false),
  })
  .strict();

const memberId = z
  .string()
  .regex(/^([UWS][A-Z0-9]{2,}|\*)$/, { message: 'expected a Slack user ID (U…/W…), a user-group ID (S…) or "*"' });

const opsConfigSchema = z
  .object({
    services: z.record(
      z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'expected a lowercase service key' }),
      serviceSchema,
    ),
    roles: z
      .object({
        viewer: z.array(memberId).default([]),
        operator: z.array(memberId).default([]),
        approver: z.array(memberId).default([]),
        admin: z.array(memberId).default([]),
      })
      .strict(),
    channels: z
      .object({
        /** Channel IDs the bot accepts commands in; "*" allows any channel. */
        allowed: z.array(z.string().regex(/^([CGD][A-Z0-9]{2,}|\*)$/, { message: 'expected a channel ID (C…/G…)' })),
      })
      .strict(),
    approvals: z
      .object({
        expiryMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(30),
      })
      .strict()
      .default({ expiryMinutes: 30 }),
    /** Seconds a resolved user-group membership is cached. */
    usergroupCacheSeconds: z.number().int().min(0).max(86_400).default(300),
    /** Cron schedules of runbooks (the guides' daily, weekly and monthly rhythm). */
    schedules: z.array(scheduleSchema).max(50).default([]),
    health: z
      .object({
        /** Per-check timeout. */
        checkTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .default({ checkTimeoutMs: 10_000 }),
    /** Alertmanager's webhook: where alert groups go, and the runbooks they suggest or run. */
    alerts: alertsConfigSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const [value, key] of Object.entries(cfg.alerts?.serviceAliases ?? {})) {
      if (!(key in cfg.services)) {
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', 'serviceAliases', value],
          message: `expected one of the services: ${Object.keys(cfg.services).join(', ')}`,
        });
      }
    }
    const commands = new Map<string, string>();
    for (const [key, svc] of Object.entries(cfg.services)) {
      const other = commands.get(svc.command);
      if (other) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', key, 'command'],
          message: `${svc.command} is already used by service ${other}`,
        });
      }
      commands.set(svc.command, key);
      if (!(svc.defaultEnvironment in svc.environments)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', key, 'defaultEnvironment'],
          message: `expected one of the environments: ${Object.keys(svc.environments).join(', ')}`,
        });
      }
    }
    const names = new Set<string>();
    cfg.schedules.forEach((sched, i) => {
      if (names.has(sched.name)) {
        ctx.addIssue({ code: 'custom', path: ['schedules', i, 'name'], message: `${sched.name} is used twice` });
      }
      names.add(sched.name);
      const svc = cfg.services[sched.service];
      if (!svc) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'service'],
          message: `expected one of the services: ${Object.keys(cfg.services).join(', ')}`,
        });
      } else if (sched.environment && !(sched.environment in svc.environments)) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'environment'],
          message: `expected one of the environments: ${Object.keys(svc.environments).join(', ')}`,
        });
      }
    });
    if (Object.keys(cfg.services).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['services'], message: 'expected at least one service' });
    }
  });

/** The validated ops config: services → environments → targets, roles, channels. */
export type OpsConfig = z.infer<typeof opsConfigSchema>;
/** One service of the ops config. */
export type ServiceConfig = OpsConfig['services'][string];
/** One environment (production, staging, ...) of a service. */
export type EnvironmentConfig = ServiceConfig['environments'][string];
/** The `scan image` Job's settings. */
export type ScannerConfig = z.infer<typeof scannerSchema>;
/** The Kubernetes target of an environment. */
export type KubernetesTarget = z.infer<typeof kubernetesSchema>;
/** How the bot reaches a cluster. */
export type ClusterConfig = z.infer<typeof clusterSchema>;
/** The S3 backup location of an environment. */
export type BackupsTarget = z.infer<typeof backupsSchema>;
/** The Prometheus endpoint and queries of an environment. */
export type PrometheusTarget = z.infer<typeof prometheusSchema>;
/** A query that must hold after a restore. */
export type VerifyQuery = z.infer<typeof verifyQuerySchema>;
/** A cron schedule of a runbook. */
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
/** The role names, weakest first. */
export const roleNames = ['viewer', 'operator', 'approver', 'admin'] as const;
/** A role name. */
export type RoleName = (typeof roleNames)[number];

/** Validates an already-parsed (and interpolated) config tree; errors name the exact YAML path. */
export function parseOpsConfig(tree: unknown, source = 'ops config'): OpsConfig {
  const parsed = opsConfigSchema.safeParse(tree);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`Invalid ${source}:\n${lines.join('\n')}`);
}

/** Reads, interpolates `${VAR}` and validates the YAML ops config file. */
export function loadOpsConfig(file: string, env: NodeJS.ProcessEnv = process.env): OpsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read ops config ${file} (set OPS_CONFIG to its path): ${messageOf(err)}`);
  }
  let tree: unknown;
  try {
    tree = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`ops config ${file} is not valid YAML: ${messageOf(err)}`);
  }
  return parseOpsConfig(interpolate(tree, env), `ops config ${file}`);
}

/** The service whose slash command this is, if any. */
export function serviceForCommand(
  cfg: OpsConfig,
  command: string,
): { key: string; service: ServiceConfig } | undefined {
  for (const [key, service] of Object.entries(cfg.services)) {
    if (service.command === command) return { key, service };
  }
  return undefined;
}

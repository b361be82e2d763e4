import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drConfigSchema } from '../../src/config/dr-config.js';
import { logsConfigSchema } from '../../src/config/logs-config.js';
import type { RoleName } from '../../src/config/ops-config.js';
import { scriptsSchema } from '../../src/config/scripts-config.js';
import { answeredCommands } from '../../src/handlers/handle-command.js';
import { createKubeTarget } from '../../src/infra/kube.js';
import { runbooks } from '../../src/jobs/registry.js';
import { replicasBeforeRestoreAnnotation } from '../../src/jobs/runbooks/restore/restore-titles.js';
import { createOpsWorld, type OpsWorld } from '../catalog-ops/ops-world.js';
import { type Bot, botEnv, channels, people, production, startBot } from '../helpers/world.js';
import { postSigned, slashCommandBody } from '../support/slack-signing.js';
import { readPolicyTable, type TableRisk } from './policy-table.js';

/**
 * Issue 7, item 9: every command × every role × an allowed and a disallowed channel, checked against the policy
 * the README documents (its command table, role order and risk rules), not against the functions the bot decides
 * with. The bot runs without a worker, so accepted commands are recorded and enqueued but nothing executes.
 */

const table = readPolicyTable();
const serviceName = 'GL-009 THERMALIQ';
const backupKey = 'authz-matrix-20260101-020000.sql.gz';

/** One user per role (and none for the stranger), so each role is checked on its own. */
const holders = {
  viewer: people.viewer,
  operator: people.operator,
  approver: people.approver,
  admin: people.admin,
} satisfies Record<RoleName, string>;
const callers: { role: string | undefined; user: string }[] = [
  { role: undefined, user: people.stranger },
  ...Object.entries(holders).map(([role, user]) => ({ role, user })),
];
const channelList = [channels.ops, channels.random];

/**
 * The smallest valid arguments of every command, valid against this world (`{run}` and `{backup}` are filled in
 * when the world exists). A command missing here fails the coverage test.
 */
const argsOf: Record<string, string> = {
  help: '',
  runs: '',
  run: '{run}',
  schedules: '',
  alerts: '',
  health: '',
  restore: '{backup}',
  'restore rollback': 'r-0123456789',
  'restore scale-up': '',
  'restore databases': '',
  'restore cleanup': '',
  'backup now': '',
  'backup prune': '',
  backups: '',
  'backup verify': '',
  'db stats': '',
  'db indexes': '',
  'db slow-queries': '',
  'db settings': '',
  'db analyze': '',
  'db vacuum': '',
  'db reindex': '',
  'db vacuum-full': '',
  'db partitions': '',
  'tune db': '',
  'tune cache': '',
  'tune workers': '',
  'logs prune': '',
  'cache stats': '',
  'cache ttl-audit': '',
  'cache set-ttl': 'authz:* 60',
  'cache purge': '',
  pods: '',
  resources: '',
  events: '',
  restart: '',
  scale: '3',
  maintenance: 'on',
  certs: '',
  'certs renew': 'thermaliq-api-tls',
  rollout: '',
  'rollout promote': '',
  'rollout abort': '',
  'rollout undo': '',
  'rotate db-password': '',
  'rotate internal-cert': '',
  errors: '',
  perf: '',
  capacity: '',
  'dr drill': '',
  'digest daily': '',
  'digest weekly': '',
  'digest monthly': '',
  'security audit': '',
  'scan image': '',
  deps: '',
  script: 'cache-size',
};

/** Invocations whose arguments or environment change the risk, as the README's risk notes say. */
const raisedRisk: { text: string; risk: TableRisk; note: string }[] = [
  {
    text: 'backup verify --restore-test',
    risk: 'change',
    note: '`backup verify --restore-test` and `db partitions run` are `change`',
  },
  {
    text: 'db partitions run',
    risk: 'change',
    note: '`backup verify --restore-test` and `db partitions run` are `change`',
  },
  {
    text: 'restart',
    risk: 'destructive',
    note: '`restart` is `destructive` in environments whose name starts with `prod`',
  },
  { text: 'scale 0', risk: 'destructive', note: '`scale` is `destructive` to 0 replicas' },
  { text: 'scale 4 --confirm-large', risk: 'destructive', note: 'or with `--confirm-large`' },
  { text: 'script warm-cache', risk: 'change', note: '`script` takes the risk the ops config declares for the script' },
  {
    text: 'rollout undo',
    risk: 'destructive',
    note: '`rollout undo` is `destructive` in environments whose name starts with `prod`',
  },
  { text: 'tune db --apply', risk: 'destructive', note: '`tune db` is `destructive` with `--apply` or `--rollback`' },
  {
    text: 'tune db --rollback r-0123456789',
    risk: 'destructive',
    note: '`tune db` is `destructive` with `--apply` or `--rollback`',
  },
  {
    text: 'tune cache --apply',
    risk: 'destructive',
    note: '`tune cache --apply` and `tune workers --apply` are `change`, and `destructive` in environments whose name starts with `prod`',
  },
  {
    text: 'tune workers --apply',
    risk: 'destructive',
    note: '`tune cache --apply` and `tune workers --apply` are `change`, and `destructive` in environments whose name starts with `prod`',
  },
  {
    text: 'tune workers --apply --env staging',
    risk: 'change',
    note: '`tune cache --apply` and `tune workers --apply` are `change`, and `destructive` in environments whose name starts with `prod`',
  },
  {
    text: 'tune cache --apply --env staging',
    risk: 'change',
    note: '`tune cache --apply` and `tune workers --apply` are `change`, and `destructive` in environments whose name starts with `prod`',
  },
];
/** Further invocations of commands whose risk depends on arguments: the other side of each risk note. */
const variants = [
  'backup verify --restore-test',
  'db partitions run',
  'restart --env staging',
  'scale 0',
  'scale 4 --confirm-large',
  'script warm-cache',
  'rollout undo --env staging',
  'tune db --apply',
  'tune db --rollback r-0123456789',
  'tune cache --apply',
  'tune cache --apply --env staging',
  'tune workers --apply',
  'tune workers --apply --env staging',
];

interface Invocation {
  command: string;
  /** The text after `/thermaliq`, with placeholders. */
  text: string;
  /** The effective risk; undefined for help. */
  risk: TableRisk | undefined;
}

function invocations(): Invocation[] {
  const texts = [...table.rows.map((r) => `${r.command} ${argsOf[r.command] ?? '{missing}'}`.trim()), ...variants];
  return texts.map((text) => {
    // The longest table command the text starts with, as Slack users type it.
    const row = table.rows
      .filter((r) => text === r.command || text.startsWith(`${r.command} `))
      .sort((a, b) => b.command.length - a.command.length)[0];
    if (!row) throw new Error(`no README row for "${text}"`);
    return { command: row.command, text, risk: raisedRisk.find((r) => r.text === text)?.risk ?? row.risk };
  });
}
const matrix = invocations();

function rank(role: string | undefined): number {
  return role === undefined ? -1 : table.roles.indexOf(role);
}

/** The role an invocation needs by the README; help and history need only some role. */
function neededRole(inv: Invocation): string {
  const first = table.roles[0] ?? 'viewer';
  return inv.risk === undefined ? first : table.roleForRisk[inv.risk];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let ops: OpsWorld;
let bot: Bot;
let seedRunId = '';
let signingSecret = '';
let requestCounter = 0;
const tally = { cells: 0, allowed: 0, forbidden: 0, channel: 0 };

function fill(text: string): string {
  return text.replace('{run}', seedRunId).replace('{backup}', backupKey);
}

/** Sends a signed slash command with a request id of our own, so its audit rows and runs can be found exactly. */
async function send(text: string, user: string, channel: string) {
  const requestId = `authz.${++requestCounter}.${randomBytes(4).toString('hex')}`;
  const body = slashCommandBody({
    command: '/thermaliq',
    text,
    user_id: user,
    channel_id: channel,
    trigger_id: requestId,
  });
  const reply = await postSigned(bot.url, signingSecret, body);
  const json = typeof reply.json === 'object' && reply.json !== null ? reply.json : {};
  const responseType = 'response_type' in json ? json.response_type : undefined;
  const replyText = 'text' in json && typeof json.text === 'string' ? json.text : reply.text;
  const runs = await bot.query<{
    id: string;
    runbook: string;
    risk: string;
    status: string;
    requested_by: string;
    channel_id: string;
    environment: string;
  }>('SELECT id, runbook, risk, status, requested_by, channel_id, environment FROM runs WHERE request_id = $1', [
    requestId,
  ]);
  const audit = await bot.query<{
    actor: string;
    action: string;
    decision: string;
    reason: string | null;
    channel_id: string | null;
    run_id: string | null;
    risk: string | null;
    role: string | null;
  }>(
    `SELECT actor, action, decision, reason, channel_id, run_id, detail->>'risk' AS risk, detail->>'role' AS role
       FROM audit_events WHERE request_id = $1 ORDER BY id`,
    [requestId],
  );
  // The run id is random: name it RUN wherever it appears, so whole cells compare as data.
  const runId = runs[0]?.id;
  const normalize = <T extends string | null>(s: T): T | 'RUN' => (runId !== undefined && s === runId ? 'RUN' : s);
  return {
    status: reply.status,
    ephemeral: responseType === 'ephemeral',
    text: runId === undefined ? replyText : replyText.replaceAll(runId, 'RUN'),
    audit: audit.map((row) => ({ ...row, run_id: normalize(row.run_id) })),
    runs: runs.map((row) => ({ ...row, id: normalize(row.id) })),
  };
}

/** What the policy table says this caller gets for this invocation in this channel. */
function expected(inv: Invocation, caller: { role: string | undefined; user: string }, channel: string) {
  const held = caller.role ?? 'no role';
  const base = { status: 200, ephemeral: true, runs: [] };
  const deny = (reason: string, action: string, text: unknown) => ({
    ...base,
    text,
    audit: [
      {
        actor: caller.user,
        action,
        decision: 'deny',
        reason,
        channel_id: channel,
        run_id: null,
        risk: null,
        role: null,
      },
    ],
  });
  const isRunbook = inv.command !== 'help' && !answeredCommands.includes(inv.command);
  const action = isRunbook ? `run:${inv.command}` : inv.command;

  if (!ops.world.config.channels.allowed.includes(channel)) {
    tally.channel++;
    return deny('channel_not_allowed', 'command', expect.stringContaining("/thermaliq can't be used in this channel"));
  }
  const needed = neededRole(inv);
  if (rank(caller.role) < rank(needed)) {
    tally.forbidden++;
    // The refusal names the role these arguments need, even when they raise it above the runbook's base role (no
    // role asking for `db partitions run` hears "operator", not "viewer"), so one grant is enough.
    return isRunbook
      ? deny(
          'forbidden',
          action,
          expect.stringMatching(
            new RegExp(`^${escapeRegExp(inv.command)} .*needs the ${needed} role; you have ${held}\\.$`),
          ),
        )
      : deny('forbidden', 'command', expect.stringContaining(`You have no role for ${serviceName}`));
  }

  tally.allowed++;
  const allow = { actor: caller.user, action, decision: 'allow', reason: null, channel_id: channel, run_id: null };
  if (inv.command === 'help') {
    const mayRun = table.rows.filter(
      (r) => r.command !== 'help' && r.risk && rank(caller.role) >= rank(table.roleForRisk[r.risk]),
    );
    return {
      ...base,
      text: `${serviceName}: ${mayRun.length} runbooks available to you`,
      audit: [{ ...allow, risk: null, role: null }],
    };
  }
  if (inv.command === 'alerts') {
    // This world names no Alertmanager: the command says what to set, and the audit records the refusal.
    return {
      ...base,
      text: expect.stringContaining('alerts needs Alertmanager: set alerts.alertmanagerUrl'),
      audit: [{ ...allow, decision: 'deny', reason: 'unavailable', risk: null, role: null }],
    };
  }
  if (!isRunbook) {
    const header = {
      runs: `${serviceName}: recent runs`,
      run: `Run ${seedRunId}`,
      schedules: `${serviceName}: schedules`,
    }[inv.command];
    if (!header) throw new Error(`no expected reply for history command ${inv.command}`);
    return {
      ...base,
      text: expect.stringMatching(new RegExp(`^${escapeRegExp(header)}\n`)),
      audit: [{ ...allow, risk: null, role: null }],
    };
  }
  const environment = /--env (\S+)/.exec(inv.text)?.[1] ?? 'production';
  const destructive = inv.risk === 'destructive';
  return {
    ...base,
    text: `${inv.command} on ${serviceName} (${environment}): run RUN (${destructive ? 'planning' : 'running'}).`,
    audit: [{ ...allow, run_id: 'RUN', risk: inv.risk, role: caller.role }],
    runs: [
      {
        id: 'RUN',
        runbook: inv.command,
        risk: inv.risk,
        status: destructive ? 'planning' : 'queued',
        requested_by: caller.user,
        channel_id: channel,
        environment,
      },
    ],
  };
}

beforeAll(async () => {
  ops = await createOpsWorld((cfg) => {
    cfg.roles = {
      viewer: [holders.viewer],
      operator: [holders.operator],
      approver: [holders.approver],
      admin: [holders.admin],
    };
    cfg.channels.allowed = [channels.ops];
    // A read script and a change one, so `script` is checked at both of the risks its config can give it.
    const service = cfg.services.thermaliq;
    if (service) {
      service.scripts = scriptsSchema.parse([
        {
          name: 'cache-size',
          summary: 'Count cached keys',
          argv: ['python', '/app/cache_size.py'],
          risk: 'read',
          timeoutSeconds: 60,
        },
        {
          name: 'warm-cache',
          summary: 'Warm the cache',
          argv: ['python', '/app/warm_cache.py', '--days', '{days}'],
          params: { days: { type: 'integer', min: 1, max: 365, default: 30 } },
          risk: 'change',
          timeoutSeconds: 600,
        },
      ]);
    }
    // A DR secondary (staging, which the ops world puts on the same cluster), so `dr drill` is accepted.
    production(cfg).dr = drConfigSchema.parse({ secondary: 'staging' });
    // `logs prune` validates that a log archive is configured; the plan (never approved here) only lists it.
    production(cfg).logs = logsConfigSchema.parse({ s3: { bucket: 'thermaliq-backups', prefix: 'authz-logs/' } });
  });
  await ops.world.s3.putObject(ops.world.s3.bucket, `${ops.world.backupPrefix}${backupKey}`, 'backup-bytes');
  // A deployment a restore left scaled down, so `restore scale-up` has something to bring back.
  const kubeConfig = production(ops.world.config).kubernetes;
  if (!kubeConfig) throw new Error('the ops world has no Kubernetes target');
  const kube = createKubeTarget(kubeConfig, 'authz');
  await kube.annotateDeployment({ [replicasBeforeRestoreAnnotation]: '3' });
  // An Argo Rollouts Rollout (named as the deployment, the default), so `rollout …` is accepted.
  ops.world.kube.argo.addRollout(ops.world.namespace, 'thermaliq', { image: 'authz:2', history: ['authz:1'] });
  signingSecret = botEnv(ops.world).SLACK_SIGNING_SECRET ?? '';
  bot = await startBot(ops.world, { role: 'bot' });
  // A run for `run <id>` to show.
  const seed = await send('health', holders.admin, channels.ops);
  seedRunId = (await bot.query<{ id: string }>("SELECT id FROM runs WHERE runbook = 'health'"))[0]?.id ?? '';
  expect(seed.runs).toHaveLength(1);
});

afterAll(async () => {
  await bot?.stop();
  await ops?.close();
});

describe('the policy table the README documents', () => {
  it('names every command the bot accepts, with the risk and role the registry declares', () => {
    const commands = table.rows.map((r) => r.command);
    expect(new Set(commands).size).toBe(commands.length);
    expect([...commands].sort()).toEqual(['help', ...answeredCommands, ...runbooks.keys()].sort());
    expect(Object.keys(argsOf).sort()).toEqual([...commands].sort());
    for (const rb of runbooks.values()) {
      const row = table.rows.find((r) => r.command === rb.name);
      expect({ command: rb.name, usage: row?.usage, risk: row?.risk, seeNotes: row?.seeNotes }).toEqual({
        command: rb.name,
        usage: rb.usage,
        risk: rb.risk,
        seeNotes: rb.riskFor !== undefined,
      });
      expect({ command: rb.name, minRole: rb.minRole }).toEqual({
        command: rb.name,
        minRole: table.roleForRisk[rb.risk],
      });
    }
    expect(table.rows.filter((r) => answeredCommands.includes(r.command)).map((r) => r.risk)).toEqual(
      answeredCommands.map(() => 'read'),
    );
  });

  it('orders the roles the config knows, and backs every raised risk with a risk note', () => {
    expect(table.roles).toEqual(Object.keys(holders));
    expect(Object.keys(ops.world.config.roles)).toEqual(table.roles);
    for (const r of raisedRisk) expect(table.riskNotes).toContain(r.note);
    for (const row of table.rows.filter((r) => r.seeNotes)) {
      expect(raisedRisk.some((r) => r.text === row.command || r.text.startsWith(`${row.command} `))).toBe(true);
    }
  });
});

describe('authorization matrix: every command × every role × an allowed and a disallowed channel', () => {
  it.each(matrix.map((inv) => [inv.text, inv] as const))('/thermaliq %s', async (_label, inv) => {
    for (const channel of channelList) {
      for (const caller of callers) {
        const cell = `${caller.role ?? 'no role'} in ${channel}`;
        const want = expected(inv, caller, channel);
        const got = await send(fill(inv.text), caller.user, channel);
        tally.cells++;
        expect.soft({ cell, ...got }).toEqual({ cell, ...want });
      }
    }
  });

  it('covered every cell, with each outcome reached', async () => {
    const minimum = (runbooks.size + answeredCommands.length + 1) * callers.length * channelList.length;
    expect(tally.cells).toBe(matrix.length * callers.length * channelList.length);
    expect(tally.cells).toBeGreaterThanOrEqual(minimum);
    expect(tally.allowed).toBeGreaterThan(0);
    expect(tally.forbidden).toBeGreaterThan(0);
    expect(tally.channel).toBe(tally.cells / 2);
    // Every accepted runbook cell (and the seed run) recorded exactly one run; no denial recorded any.
    const runbookAllowed = await bot.query<{ n: string }>(
      "SELECT count(*) AS n FROM audit_events WHERE decision = 'allow' AND action LIKE 'run:%'",
    );
    const runs = await bot.query<{ n: string }>('SELECT count(*) AS n FROM runs');
    expect(runs[0]?.n).toBe(runbookAllowed[0]?.n);
  });
});

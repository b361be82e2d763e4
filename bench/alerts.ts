import { z } from 'zod';
import { alertsConfigSchema } from '../src/config/alerts-config.js';
import { createWorld } from '../test/helpers/world.js';
import { pacingFaults } from '../test/support/fake-slack.js';
import { awaitDelivery, groupsShownInFull, type RoundDelivery, slackMinimumMs } from './alerts/delivery.js';
import { alertChannels, alertname, alertsPerGroup, groupCount, scheduleOf } from './alerts/schedule.js';
import { runProcess, startBotProcess, startProcess } from './processes.js';
import { describeViolations, loadAverage, ms, quantile, watchEventLoop } from './stats.js';

const rounds = Number(process.env.ALERTS_ROUNDS ?? 3);
const warmGroups = 20;
const token = 'bench-alertmanager-token-0123';
/** How long past the Slack-limits minimum a round may take to show every group before it counts as not delivered. */
const deliveryGraceMs = 90_000;

const loadResult = z.object({
  startedAt: z.number(),
  sent: z.array(
    z.object({ group: z.number(), index: z.number(), sentMs: z.number(), ms: z.number(), status: z.number() }),
  ),
});
type LoadResult = z.infer<typeof loadResult>;

/** Runs the load generator as its own process: one round of the schedule against `url`. */
async function fire(url: string, round: string, groups: number): Promise<LoadResult> {
  const stdout = await runProcess(
    process.execPath,
    ['--import', 'tsx', 'bench/alerts/load.ts', url, token, round, String(groups)],
    120_000,
  );
  return loadResult.parse(JSON.parse(stdout.split('\n').find((l) => l.startsWith('{"startedAt"')) ?? '{}'));
}

/** Answers other than 200, counted ("503×2, 0×1"; 0 is a timeout or a broken connection); empty when none. */
function refusals(result: LoadResult): string {
  const counts = new Map<number, number>();
  for (const s of result.sent) if (s.status !== 200) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status}×${n}`).join(', ');
}

interface BotRound {
  latencies: number[];
  /** The slowest answers: latency, when sent, and which of its group's notifications it was. */
  slowest: string;
  /** The bot's answers other than 200, counted. */
  refused: string;
  delivery: RoundDelivery;
  /** From the round's start to the last group showing all its alerts; undefined when not all did in time. */
  deliveredMs?: number;
  minimumMs: number;
  /** Groups whose message in the stand-in shows all their alerts once the round settled. */
  shown: number;
}

function seconds(value: number): string {
  return `${(value / 1000).toFixed(1)} s`;
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}

/**
 * 1,000 alerts in 100 groups within 10 s, as Alertmanager sends them (each group notified 5 times as its 10 alerts
 * arrive, 2 s apart, the groups' first notifications spread over 2 s: 500 notifications) to the bot as `npm start`
 * runs it (ROLE=bot, its own process), and the same requests to a bare node:http server that only parses the body
 * (its own process), alternating rounds, from a load generator in a third process. The groups are routed over 4
 * channels of a Slack stand-in that enforces Slack's windows. Prints the webhook's p50 and p99 against the bare
 * server's, the messages posted (target: one a group) and the time until every group's message shows all its alerts
 * against the minimum Slack's limits allow for the same notifications.
 */
export async function benchAlerts(): Promise<{ p99Ratio: number; posted: number[]; deliveryRatios: number[] }> {
  const world = await createWorld((cfg) => {
    cfg.alerts = alertsConfigSchema.parse({
      webhook: { bearerToken: token },
      routes: alertChannels.map((channel, shard) => ({
        match: { service: 'thermaliq', shard: String(shard) },
        channel,
      })),
      runbooks: [{ alert: alertname, suggest: ['health', 'pods'] }],
    });
  });
  world.slack.enforceRateLimits();
  const loop = watchEventLoop();
  const bot = await startBotProcess(world, 'bot');
  const bare = await startProcess(process.execPath, ['bench/alerts/bare-http.mjs'], {}, (l) => l.startsWith('{"port"'));
  const botUrl = `http://127.0.0.1:${bot.port}/alerts/alertmanager`;

  /** One round against the bot: the load, then (bounded) until every group shows all its alerts. */
  async function botRound(round: string, groups: number): Promise<BotRound> {
    const from = world.slack.calls.length;
    const result = await fire(botUrl, round, groups);
    const misconfigured = result.sent.filter((s) => [400, 401, 404, 413, 415].includes(s.status)).length;
    if (misconfigured > 0) throw new Error(`the bot refused ${misconfigured} notifications: ${refusals(result)}`);
    const minimumMs = slackMinimumMs(result.sent);
    const deadline = result.startedAt + minimumMs + deliveryGraceMs;
    const delivery = await awaitDelivery(world.slack, from, round, groups, deadline);
    const done = delivery.finalAt.size === groups ? Math.max(...delivery.finalAt.values()) : undefined;
    return {
      latencies: result.sent.map((s) => s.ms),
      slowest: [...result.sent]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map((s) => `${s.ms.toFixed(0)} ms at ${seconds(s.sentMs)} (#${s.index + 1})`)
        .join(', '),
      refused: refusals(result),
      delivery,
      deliveredMs: done === undefined ? undefined : done - result.startedAt,
      minimumMs,
      shown: groupsShownInFull(world.slack, round, groups),
    };
  }

  try {
    const barePort = z.object({ port: z.number() }).parse(
      JSON.parse(
        bare
          .output()
          .split('\n')
          .find((l) => l.startsWith('{"port"')) ?? '{}',
      ),
    ).port;
    const bareUrl = `http://127.0.0.1:${barePort}/alerts/alertmanager`;
    console.log(
      `alerts: ${groupCount * alertsPerGroup} alerts in ${groupCount} groups within 10 s (${scheduleOf(groupCount).length} Alertmanager notifications: each group's ${alertsPerGroup} alerts in 5, 2 s apart), routed over ${alertChannels.length} channels of a Slack stand-in enforcing its windows; ${rounds} rounds alternating bare node:http / bot (ROLE=bot), each and the load generator in its own process (${loadAverage()})`,
    );
    // Warm both up (JIT, pools, connections) with a smaller round each, delivered before measuring.
    await fire(bareUrl, 'w', warmGroups);
    await botRound('w', warmGroups);
    const bareLatencies: number[] = [];
    const botRounds: BotRound[] = [];
    for (let r = 1; r <= rounds; r++) {
      const base = await fire(bareUrl, `r${r}`, groupCount);
      if (refusals(base)) throw new Error(`the bare server did not answer 200: ${refusals(base)}`);
      const baseMs = base.sent.map((s) => s.ms);
      bareLatencies.push(...baseMs);
      console.log(
        `  round ${r}  bare p50 ${ms(quantile(baseMs, 0.5)).padStart(8)}  p99 ${ms(quantile(baseMs, 0.99)).padStart(8)}  (${loadAverage()})`,
      );
      // Each bot round has groups of its own (new group keys), so it posts 100 new messages.
      const ours = await botRound(`r${r}`, groupCount);
      botRounds.push(ours);
      const d = ours.delivery;
      const delivered =
        ours.deliveredMs === undefined
          ? `NOT all shown within ${seconds(ours.minimumMs + deliveryGraceMs)}: ${d.finalAt.size} of ${groupCount} groups`
          : `all shown after ${seconds(ours.deliveredMs)} (Slack-limits minimum ${seconds(ours.minimumMs)}: ${(ours.deliveredMs / ours.minimumMs).toFixed(2)}×)`;
      console.log(
        `           bot  p50 ${ms(quantile(ours.latencies, 0.5)).padStart(8)}  p99 ${ms(quantile(ours.latencies, 0.99)).padStart(8)}${ours.refused ? ` (answers not 200: ${ours.refused})` : ''}; ${sum(d.posts.values())} messages posted, ${d.updates} updates, ${d.refused} calls refused by Slack; ${delivered}  (${loadAverage()})`,
      );
      console.log(`                slowest answers: ${ours.slowest}`);
    }

    const botLatencies = botRounds.flatMap((b) => b.latencies);
    const p50Ratio = quantile(botLatencies, 0.5) / quantile(bareLatencies, 0.5);
    const p99Ratio = quantile(botLatencies, 0.99) / quantile(bareLatencies, 0.99);
    console.log(
      `  webhook over ${rounds} rounds: bot p50 ${ms(quantile(botLatencies, 0.5))}, p99 ${ms(quantile(botLatencies, 0.99))}; bare p50 ${ms(quantile(bareLatencies, 0.5))}, p99 ${ms(quantile(bareLatencies, 0.99))} → ratio bot/bare p50 ${p50Ratio.toFixed(2)}×, p99 ${p99Ratio.toFixed(2)}×  (${loadAverage()})`,
    );
    const posted = botRounds.map((b) => sum(b.delivery.posts.values()));
    const offGroups = botRounds.map((b) => groupCount - [...b.delivery.posts.values()].filter((n) => n === 1).length);
    console.log(
      `  messages posted per round: ${posted.join(', ')} (target exactly ${groupCount}: one a group); groups without exactly one: ${offGroups.join(', ')}; groups showing all ${alertsPerGroup} alerts at the end: ${botRounds.map((b) => b.shown).join(', ')}  (${loadAverage()})`,
    );
    const deliveryRatios = botRounds.map((b) =>
      b.deliveredMs === undefined ? Number.POSITIVE_INFINITY : b.deliveredMs / b.minimumMs,
    );
    console.log(
      `  time to full delivery per round: ${botRounds.map((b) => (b.deliveredMs === undefined ? 'not delivered' : seconds(b.deliveredMs))).join(', ')} against the Slack-limits minimum ${botRounds.map((b) => seconds(b.minimumMs)).join(', ')} (25 groups a channel at 1 post/s, 1 update/s a message) → ${deliveryRatios.map((r) => `${r.toFixed(2)}×`).join(', ')}  (${loadAverage()})`,
    );
    const violations = world.slack.violations();
    console.log(
      `  ${describeViolations(violations)} (${pacingFaults(violations).length} pacing faults: under 900 ms or before a Retry-After); ${loop.worstStall()}`,
    );
    const warnings = bot
      .output()
      .split('\n')
      .filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"'));
    if (warnings.length > 0) {
      const kinds = new Map<string, number>();
      for (const w of warnings) {
        const msg = /"msg":"([^"]*)"/.exec(w)?.[1] ?? '?';
        kinds.set(msg, (kinds.get(msg) ?? 0) + 1);
      }
      console.log(`  the bot logged: ${[...kinds].map(([m, n]) => `${n}× "${m}"`).join('; ')}`);
    }
    return { p99Ratio, posted, deliveryRatios };
  } finally {
    await bare.stop();
    await bot.stop();
    await world.close();
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, people, runIdOf, startBot } from '../helpers/world.js';
import type { JsonObject } from '../support/json-value.js';
import { waitUntil } from '../support/services.js';
import { createOpsWorld, maintenance, type OpsWorld } from './ops-world.js';

type Reply = { response_type?: string; text?: string };

/** Text of every block of a message, for assertions. */
const textOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? '');

// These run once the catalog is in the registry (`...opsRunbooks`); remove this guard in that same change.

describe('the Kubernetes, certificate, log and performance runbooks from Slack', () => {
  let ops: OpsWorld;
  let bot: Bot;
  beforeAll(async () => {
    ops = await createOpsWorld();
    bot = await startBot(ops.world);
  });
  afterAll(async () => {
    await bot?.stop();
    await ops?.close();
  });

  const runCount = async () => Number((await bot.query<{ n: string }>('SELECT count(*) AS n FROM runs'))[0]?.n);

  /** Runs a command that needs no approval and returns its final message's text. */
  async function run(text: string, user: string = people.operator) {
    const reply = await bot.command(text, { user });
    const runId = runIdOf(reply);
    const final = await bot.finalMessage(runId);
    return { runId, ts: final.ts, text: textOf(final) };
  }

  /** The detail replies in a message's thread, once the outbox has posted them. */
  const thread = (ts: string) =>
    waitUntil(
      () =>
        ops.world.slack
          .callsOf('chat.postMessage')
          .filter((c) => c.body.thread_ts === ts)
          .map((c) => JSON.stringify(c.body.blocks ?? c.body.text))
          .join('\n'),
      { timeoutMs: 10_000, description: `the thread of ${ts}` },
    );

  /** Requests a destructive command, approves it as an approver, and returns its final message's text. */
  async function approved(text: string) {
    const reply = await bot.command(text, { user: people.operator });
    expect((reply.json as Reply).text).toMatch(/\(planning\)/);
    const runId = runIdOf(reply);
    const { approvalId } = await bot.approvalMessage(runId);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    return { runId, text: textOf(await bot.finalMessage(runId)) };
  }

  const backend = () => {
    const ing = ops.world.kube.ingress(ops.world.namespace, maintenance.ingress) as
      | { spec: { rules: { http: { paths: JsonObject[] } }[] } }
      | undefined;
    return ing?.spec.rules[0]?.http.paths[0]?.backend;
  };

  it('pods, resources and events report to the channel, with detail in the thread', async () => {
    const pods = await run('pods', people.viewer);
    expect(pods.text).toContain('Pods of GL-009 THERMALIQ (production): 2/2 ready, 0 restarts');
    expect(await thread(pods.ts)).toMatch(/thermaliq-\S+ · Running · ready 1\/1/);
    const resources = await run('resources', people.viewer);
    expect(resources.text).toContain('CPU 500m, memory 1 GiB');
    ops.world.kube.addEvent(ops.world.namespace, {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container app',
      involvedObject: { kind: 'Pod', name: 'thermaliq-x' },
    });
    expect((await run('events', people.viewer)).text).toContain('BackOff ×1');
  });

  it('certs, errors and perf report from cert-manager, TLS, pod logs and Prometheus', async () => {
    expect((await run('certs', people.viewer)).text).toContain('Certificate thermaliq-api-tls');
    const errors = await run('errors --since 6h', people.viewer);
    expect(errors.text).toContain('ERROR lines in the last 6h of GL-009 THERMALIQ (production)');
    const perf = await run('perf --window 7d', people.viewer);
    expect(perf.text).toContain('Performance of GL-009 THERMALIQ (production), last 7d');
    expect(ops.world.prom.queries).toContain(
      'histogram_quantile(0.95, sum by (le) (rate(thermaliq_calculation_duration_seconds_bucket[7d])))',
    );
  });

  it('restarts staging without approval, with a merge patch of restartedAt', async () => {
    const since = ops.world.kube.requests.length;
    const restart = await run('restart --env staging');
    expect(restart.text).toContain(
      'Restarted thermaliq in GL-009 THERMALIQ (staging): 2/2 replicas replaced and ready',
    );
    expect(ops.world.kube.requests.slice(since)).toContainEqual(
      expect.objectContaining({
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': expect.any(String) } } },
          },
        },
      }),
    );
  });

  it('restarts production only after approval', async () => {
    const since = ops.world.kube.requests.length;
    const { text } = await approved('restart');
    expect(text).toContain('Restarted thermaliq in GL-009 THERMALIQ (production)');
    expect(ops.world.kube.requests.slice(since).filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('scales by up to 50 % as a change, and to 0 and back only with approval', async () => {
    const deploymentReplicas = () =>
      (ops.world.kube.deployment(ops.world.namespace, 'thermaliq')?.spec as { replicas?: number } | undefined)
        ?.replicas;
    expect((await run('scale 3')).text).toContain('from 2 to 3 replicas: 3/3 ready');
    expect(deploymentReplicas()).toBe(3);
    expect((await approved('scale 0')).text).toContain('from 3 to 0 replicas');
    expect([deploymentReplicas(), ops.world.kube.pods(ops.world.namespace)]).toEqual([0, []]);
    expect((await approved('scale 2 --confirm-large')).text).toContain('from 0 to 2 replicas: 2/2 ready');
    expect(deploymentReplicas()).toBe(2);
  });

  it('turns maintenance mode on and off through approvals, switching the ingress backend and back', async () => {
    expect((await approved('maintenance on')).text).toContain('Maintenance mode ON');
    expect(backend()).toEqual({ service: { name: maintenance.service, port: { number: maintenance.port } } });
    expect((await approved('maintenance off')).text).toContain('Maintenance mode OFF');
    expect(backend()).toEqual({ service: { name: 'thermaliq', port: { number: 8080 } } });
  });

  it.each([
    ['scale -1', '<replicas> must be a whole number from 0 to 100; you gave "-1". Example: `/thermaliq scale 3`'],
    ['scale abc', '<replicas> must be a whole number from 0 to 100; you gave "abc". Example: `/thermaliq scale 3`'],
    ['scale 1000', '<replicas> must be a whole number from 0 to 100; you gave "1000". Example: `/thermaliq scale 3`'],
    ['scale 9', 'changes them by +350 %, more than 50 %, so it needs an approver'],
    [
      'errors --since 99999h',
      '--since takes a duration from 1h to 7d in hours or days, such as 24h or 7d; you gave "99999h"',
    ],
    [
      'maintenance sideways',
      '<on|off> must be one of: on, off; you gave "sideways". Example: `/thermaliq maintenance on`',
    ],
    ['maintenance off', 'Ingress thermaliq-api is not in maintenance mode'],
    ['perf --window 1y', '--window takes one of: 24h, 7d, 30d; you gave "1y". Example: `/thermaliq perf --window 7d`'],
  ])('refuses `%s` with a specific reason and enqueues nothing', async (text, reason) => {
    const before = await runCount();
    const reply = (await bot.command(text, { user: people.operator })).json as Reply;
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain(reason);
    expect(await runCount()).toBe(before);
  });
});

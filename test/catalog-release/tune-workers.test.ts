import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tuningConfigSchema } from '../../src/config/tuning-config.js';
import { collectWithThread, replyText, runCount } from '../catalog-data/slack-output.js';
import {
  type Bot,
  channels,
  createWorld,
  people,
  production,
  runIdOf,
  startBot,
  type World,
} from '../helpers/world.js';
import { slackMessageKey } from '../support/fake-slack.js';

/**
 * `tune workers` through the bot against the fake Kubernetes API: the CPU limit and env come from the deployment
 * as the API serves it, and `--apply` reaches it as a JSON Patch, after which the fake controller rolls the pods.
 */

let world: World;
let bot: Bot;

const containerSchema = z.object({
  name: z.string(),
  env: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
});
const deploymentSchema = z.object({
  metadata: z.object({ generation: z.number() }),
  spec: z.object({ template: z.object({ spec: z.object({ containers: z.array(containerSchema) }) }) }),
});

function envOf(namespace: string, name = 'thermaliq'): Record<string, string | undefined> {
  const d = deploymentSchema.parse(world.kube.deployment(namespace, name));
  return Object.fromEntries((d.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
}

/** Sets the container's CPU and env through the API, as `kubectl set resources` / `set env` would. */
async function shapeDeployment(namespace: string, cpu: string | undefined, env: { name: string; value: string }[]) {
  const body = [
    { op: 'replace', path: '/spec/template/spec/containers/0/resources', value: cpu ? { limits: { cpu } } : {} },
    { op: 'add', path: '/spec/template/spec/containers/0/env', value: env },
  ];
  const res = await fetch(`${world.kube.url}/apis/apps/v1/namespaces/${namespace}/deployments/thermaliq`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json-patch+json', authorization: 'Bearer test-token' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function finalOf(runId: string) {
  const final = await bot.finalMessage(runId, 60_000);
  return collectWithThread(world, runId, final.ts, final.blocks);
}

const patches = () =>
  world.kube.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/thermaliq'));

beforeAll(async () => {
  world = await createWorld((cfg) => {
    const prod = production(cfg);
    prod.tuning = tuningConfigSchema.parse({
      workers: {
        env: ['GUNICORN_WORKERS', 'WEB_CONCURRENCY'],
        poolSizeEnv: 'DATABASE_POOL_SIZE',
        maxOverflowEnv: 'DATABASE_MAX_OVERFLOW',
      },
    });
    const envs = cfg.services.thermaliq?.environments;
    if (envs && prod.kubernetes) {
      envs.staging = { ...prod, kubernetes: { ...prod.kubernetes, namespace: 'gl-009-staging' } };
    }
  });
  world.kube.addDeployment('gl-009-staging', 'thermaliq', { replicas: 2, labels: { app: 'thermaliq' } });
  await shapeDeployment(world.namespace, '1500m', [
    { name: 'GUNICORN_WORKERS', value: '4' },
    { name: 'LOG_LEVEL', value: 'info' },
  ]);
  await shapeDeployment('gl-009-staging', '4', [{ name: 'WEB_CONCURRENCY', value: '2' }]);
  bot = await startBot(world);
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await world?.close();
});

describe('tune workers', () => {
  it('computes (cores × 2) + 1 from the CPU limit and compares it with the env, changing nothing', async () => {
    const before = patches().length;
    const runId = runIdOf(await bot.command('tune workers', { user: people.viewer }));
    const out = await finalOf(runId);
    // 1500m → 2 whole cores → 5 workers.
    expect(out.message).toContain('1500m (limit) → 2 cores');
    expect(out.message).toContain('(2 × 2) + 1 = 5 workers');
    expect(out.message).toMatch(/4 of 4 variables differ from \(2 × 2\) \+ 1 = 5/);
    expect(out.message).toContain('*GUNICORN_WORKERS* — _warn_ (`4`, threshold recommended 5)');
    expect(out.message).toContain('*DATABASE_MAX_OVERFLOW* — _warn_ (`unset`, threshold recommended 10)');
    expect(patches().length).toBe(before);
  }, 90_000);

  it('--apply in production: approval, then one JSON Patch of the env, and the rollout is waited for', async () => {
    const generation = deploymentSchema.parse(world.kube.deployment(world.namespace, 'thermaliq')).metadata.generation;
    const runId = runIdOf(await bot.command('tune workers --apply', { user: people.operator }));
    const approval = await bot.approvalMessage(runId);
    const plan = JSON.stringify(world.slack.messages().get(slackMessageKey(channels.ops, approval.ts))?.blocks);
    expect(plan).toContain('GUNICORN_WORKERS: 4 → 5');
    expect(plan).toContain('WEB_CONCURRENCY: unset → 5');
    expect(plan).toContain('DATABASE_POOL_SIZE: unset → 5');
    expect(plan).toContain('DATABASE_MAX_OVERFLOW: unset → 10');
    expect(envOf(world.namespace).GUNICORN_WORKERS).toBe('4');

    const before = patches().length;
    await bot.click('approval_approve', approval.approvalId, { user: people.approver });
    const out = await finalOf(runId);
    expect(envOf(world.namespace)).toEqual({
      GUNICORN_WORKERS: '5',
      LOG_LEVEL: 'info',
      WEB_CONCURRENCY: '5',
      DATABASE_POOL_SIZE: '5',
      DATABASE_MAX_OVERFLOW: '10',
    });
    const sent = patches().slice(before);
    expect(sent.map((r) => r.contentType)).toEqual(['application/json-patch+json']);
    const d = deploymentSchema.parse(world.kube.deployment(world.namespace, 'thermaliq'));
    expect(d.metadata.generation).toBe(generation + 1);
    expect(out.message).toContain(
      'Set GUNICORN_WORKERS=5, WEB_CONCURRENCY=5, DATABASE_POOL_SIZE=5, DATABASE_MAX_OVERFLOW=10',
    );
    expect(out.message).toMatch(/\*Rollout\* — complete in [^(]+\(`2\/2 ready`\)/);
  }, 90_000);

  it('--apply in staging is a change without approval', async () => {
    const runId = runIdOf(await bot.command('tune workers --apply --env staging', { user: people.operator }));
    await finalOf(runId);
    expect(await bot.query('SELECT 1 FROM approvals WHERE run_id = $1', [runId])).toEqual([]);
    // 4 cores → 9; staging has the same tuning config.
    expect(envOf('gl-009-staging')).toMatchObject({ WEB_CONCURRENCY: '9', GUNICORN_WORKERS: '9' });
  }, 90_000);

  it('refuses a container without a CPU limit, naming what to set, and patches nothing', async () => {
    await shapeDeployment('gl-009-staging', undefined, [{ name: 'WEB_CONCURRENCY', value: '2' }]);
    const before = patches().length;
    const runId = runIdOf(await bot.command('tune workers --env staging', { user: people.viewer }));
    const final = await bot.finalMessage(runId, 60_000);
    expect(JSON.stringify(final.blocks)).toContain('has no CPU limit or request (resources.limits.cpu)');
    expect(patches().length).toBe(before);
  }, 90_000);

  it('refuses bad input with the reason, before anything runs', async () => {
    const runs = await runCount(bot);
    expect(await replyText(bot, 'tune workers --apply=yes', people.operator)).toContain('--apply takes no value');
    expect(await replyText(bot, 'tune workers 8', people.operator)).toContain('8');
    expect(await replyText(bot, 'tune workers --workers 8', people.operator)).toContain('workers');
    expect(await replyText(bot, 'tune workers --apply', people.viewer)).toContain('needs the operator role');
    expect(await runCount(bot)).toBe(runs);
  });
});

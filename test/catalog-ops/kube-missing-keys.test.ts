import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingKubeKeys } from '../../src/infra/kube-config.js';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';

describe('what to set when a cluster cannot be reached: the exact missing keys', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    // As the shipped config reads with THERMALIQ_KUBE_SERVER and THERMALIQ_KUBE_TOKEN unset: the block is there.
    world = await createWorld((cfg) => {
      const kube = production(cfg).kubernetes;
      if (kube) kube.cluster = { skipTLSVerify: false, inCluster: false };
    });
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('pods names kubernetes.cluster.server and .token, not the kubernetes block that is set', async () => {
    const reply = await bot.command('pods', { user: people.viewer });
    const runId = runIdOf(reply);
    const final = await bot.finalMessage(runId);
    const text = JSON.stringify(final.blocks);
    expect(text).toContain(
      'services.thermaliq.environments.production.kubernetes.cluster.server and kubernetes.cluster.token',
    );
    expect(text).not.toMatch(/set services\.thermaliq\.environments\.production\.kubernetes\.(?!cluster)/);
  });

  it('health says the same in its Kubernetes line', async () => {
    const final = await bot.finalMessage(runIdOf(await bot.command('health', { user: people.viewer })));
    expect(JSON.stringify(final.blocks)).toContain('production.kubernetes.cluster.server and kubernetes.cluster.token');
  });

  it('names only the token when the server is set', () => {
    const env = { HOME: '/nonexistent' };
    expect(
      missingKubeKeys({ cluster: { server: 'https://10.0.0.1:6443', skipTLSVerify: false, inCluster: false } }, env),
    ).toMatch(/^kubernetes\.cluster\.token/);
    expect(missingKubeKeys(undefined, env)).toMatch(/^kubernetes \(/);
    expect(
      missingKubeKeys(
        { cluster: { server: 'https://10.0.0.1:6443', token: 't', skipTLSVerify: false, inCluster: false } },
        env,
      ),
    ).toBeUndefined();
  });
});

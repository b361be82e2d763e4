import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';
import type { SignedPostResult } from '../support/slack-signing.js';

/**
 * `rollout [status|promote|abort|undo]` through the bot (signed slash commands and approval clicks) against the
 * fake API's Argo Rollouts, whose simulated controller moves the canary as Argo's does.
 */

let world: World;
let bot: Bot;
const rolloutsPath = () => `/apis/argoproj.io/v1alpha1/namespaces/${world.namespace}/rollouts`;

function textOf(r: SignedPostResult): string {
  return z.object({ text: z.string() }).parse(r.json).text;
}

const statusSchema = z.object({
  metadata: z.object({ annotations: z.record(z.string(), z.string()) }),
  status: z.object({
    phase: z.string(),
    currentStepIndex: z.number(),
    abort: z.boolean().optional(),
    currentPodHash: z.string(),
    stableRS: z.string(),
  }),
});
const rolloutNow = (name = 'thermaliq') => statusSchema.parse(world.kube.argo.rollout(world.namespace, name));

function replicasByImage(): Record<string, number> {
  const rsSchema = z.object({
    metadata: z.object({ ownerReferences: z.array(z.object({ uid: z.string() })) }),
    spec: z.object({
      replicas: z.number(),
      template: z.object({ spec: z.object({ containers: z.array(z.object({ image: z.string() })) }) }),
    }),
  });
  const uid = z
    .object({ metadata: z.object({ uid: z.string() }) })
    .parse(world.kube.argo.rollout(world.namespace, 'thermaliq')).metadata.uid;
  const out: Record<string, number> = {};
  for (const raw of world.kube.argo.replicaSets(world.namespace)) {
    const rs = rsSchema.parse(raw);
    if (rs.metadata.ownerReferences[0]?.uid !== uid) continue;
    out[rs.spec.template.spec.containers[0]?.image ?? '?'] = rs.spec.replicas;
  }
  return out;
}

/** A fresh Rollout `thermaliq` at app:1.2.0 (app:1.1.0 before it), with a canary to app:1.3.0 paused at step 2/8. */
function canaryAtFirstPause(): void {
  world.kube.argo.addRollout(world.namespace, 'thermaliq', {
    image: 'ghcr.io/greenlang/thermaliq:v1.2.0',
    history: ['ghcr.io/greenlang/thermaliq:v1.1.0'],
    labels: { app: 'thermaliq-canary' },
  });
  world.kube.argo.setImage(world.namespace, 'thermaliq', 'ghcr.io/greenlang/thermaliq:v1.3.0');
}

async function finalText(runId: string): Promise<string> {
  await bot.runStatus(runId, 'succeeded', 30_000);
  return JSON.stringify((await bot.finalMessage(runId)).blocks);
}

async function runError(runId: string): Promise<string> {
  await bot.runStatus(runId, 'failed', 30_000);
  const [row] = await bot.query<{ error: string }>('SELECT error FROM runs WHERE id = $1', [runId]);
  return row?.error ?? '';
}

function writesSince(start: number): { method: string; path: string; body: unknown; contentType?: string }[] {
  return world.kube.requests
    .slice(start)
    .filter((r) => r.method !== 'GET')
    .map((r) => ({ method: r.method, path: r.path, body: r.body, contentType: r.contentType }));
}

beforeAll(async () => {
  world = await createWorld((cfg) => {
    const env = production(cfg);
    const kubernetes = env.kubernetes;
    if (!kubernetes) throw new Error('test config has no kubernetes');
    kubernetes.rolloutWaitSeconds = 2;
    const service = cfg.services.thermaliq;
    if (!service) throw new Error('no thermaliq service');
    service.environments.staging = { ...env, kubernetes: { ...kubernetes, rollout: 'web-staging' } };
    service.environments.qa = { ...env, kubernetes: { ...kubernetes, rollout: 'no-such-rollout' } };
  });
  world.kube.argo.addRollout(world.namespace, 'other-app', { image: 'other:1', labels: { app: 'other' } });
  bot = await startBot(world);
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await world?.close();
});

describe('rollout: bad input is refused with the reason, and nothing is called', () => {
  it.each([
    ['rollout now', 'Extra word'],
    ['rollout status now', 'Extra word'],
    ['rollout --force', 'rollout does not take --force'],
    ['rollout promote 3', 'Extra word'],
    ['rollout promote --full 1', 'rollout promote does not take --full'],
    ['rollout abort now please', 'Extra words'],
    ['rollout abort --force', 'rollout abort does not take --force'],
    ['rollout undo 2', 'Extra word'],
    ['rollout undo --to-revision 2', 'rollout undo does not take --to-revision'],
  ])('`%s`', async (text, reason) => {
    const before = world.kube.requests.length;
    const reply = await bot.command(text, { user: people.operator });
    expect(textOf(reply)).toContain(reason);
    expect(world.kube.requests.length).toBe(before);
  });

  it.each(['rollout', 'rollout promote', 'rollout abort', 'rollout undo'])(
    '`%s` without a Rollout is refused naming the config key, having only looked',
    async (text) => {
      const before = world.kube.requests.length;
      const reply = await bot.command(`${text} --env qa`, { user: people.operator });
      expect(textOf(reply)).toContain(
        `No Argo Rollouts Rollout "no-such-rollout" in ${world.namespace} (Rollouts in ${world.namespace}: other-app`,
      );
      expect(textOf(reply)).toContain('Set services.thermaliq.environments.qa.kubernetes.rollout to the Rollout');
      expect(world.kube.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET ${rolloutsPath()}/no-such-rollout`,
        `GET ${rolloutsPath()}`,
      ]);
    },
  );

  it('a viewer may read the rollout but not promote it', async () => {
    const reply = await bot.command('rollout promote', { user: people.viewer });
    expect(textOf(reply)).toMatch(/needs the operator role/);
  });
});

describe('rollout status', () => {
  it('shows the step, canary weight, pause time left, stable and canary images, and the analysis', async () => {
    canaryAtFirstPause();
    const runId = runIdOf(await bot.command('rollout status', { user: people.viewer }));
    const shown = await finalText(runId);
    expect(shown).toContain(
      'Rollout thermaliq in GL-009 THERMALIQ (production): step 2/8 (pause 10m), canary 10 %, Paused: CanaryPauseStep',
    );
    expect(shown).toContain('ghcr.io/greenlang/thermaliq:v1.2.0');
    expect(shown).toContain('ghcr.io/greenlang/thermaliq:v1.3.0');
    expect(shown).toMatch(/CanaryPauseStep since \d+s: (9m|10m)[^"]* left of 10m/);
    expect(shown).toContain('no analysis running for this step');
  });

  it('shows a running AnalysisRun of the current step', async () => {
    world.kube.argo.addRollout(world.namespace, 'thermaliq', {
      image: 'app:1',
      labels: { app: 'thermaliq-canary' },
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'error-rate' }] } }, { pause: {} }],
    });
    world.kube.argo.setImage(world.namespace, 'thermaliq', 'app:2');
    const runId = runIdOf(await bot.command('rollout', { user: people.viewer }));
    const shown = await finalText(runId);
    expect(shown).toContain('step 2/3 (analysis error-rate), canary 20 %, Progressing');
    expect(shown).toMatch(/AnalysisRun thermaliq-[a-z0-9]+-2-1/);
    expect(shown).toContain('Running');
  });
});

describe('rollout promote', () => {
  it('clears the pause conditions on the status subresource, as the plugin does, and waits for the next step', async () => {
    canaryAtFirstPause();
    const start = world.kube.requests.length;
    const runId = runIdOf(await bot.command('rollout promote', { user: people.operator }));
    const shown = await finalText(runId);
    expect(writesSince(start)).toEqual([
      {
        method: 'PATCH',
        path: `${rolloutsPath()}/thermaliq/status`,
        body: { status: { pauseConditions: null } },
        contentType: 'application/merge-patch+json',
      },
    ]);
    expect(rolloutNow().status.currentStepIndex).toBe(3);
    expect(shown).toContain(
      'Promoted rollout thermaliq in GL-009 THERMALIQ (production): now at step 4/8 (pause 10m), canary 25 %, Paused: CanaryPauseStep',
    );
    expect(replicasByImage()).toEqual({
      'ghcr.io/greenlang/thermaliq:v1.1.0': 0,
      'ghcr.io/greenlang/thermaliq:v1.2.0': 3,
      'ghcr.io/greenlang/thermaliq:v1.3.0': 1,
    });
  });

  it('during an analysis step, moves currentStepIndex on (with the pause cleared), as the plugin does', async () => {
    world.kube.argo.addRollout(world.namespace, 'thermaliq', {
      image: 'app:1',
      labels: { app: 'thermaliq-canary' },
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'error-rate' }] } }, { pause: {} }],
    });
    world.kube.argo.setImage(world.namespace, 'thermaliq', 'app:2');
    const start = world.kube.requests.length;
    const runId = runIdOf(await bot.command('rollout promote', { user: people.operator }));
    const shown = await finalText(runId);
    expect(writesSince(start)).toEqual([
      {
        method: 'PATCH',
        path: `${rolloutsPath()}/thermaliq/status`,
        body: { status: { pauseConditions: null, currentStepIndex: 2 } },
        contentType: 'application/merge-patch+json',
      },
    ]);
    expect(shown).toContain('now at step 3/3 (pause (until promoted)), canary 20 %, Paused: CanaryPauseStep');
  });

  it('at the last pause, promotes to Healthy with the canary as the new stable', async () => {
    canaryAtFirstPause();
    for (let i = 0; i < 3; i += 1) world.kube.argo.expirePause(world.namespace, 'thermaliq');
    expect(rolloutNow().status.currentStepIndex).toBe(7);
    const runId = runIdOf(await bot.command('rollout promote', { user: people.operator }));
    const shown = await finalText(runId);
    expect(shown).toContain('fully promoted: revision 3 is stable and Healthy');
    const now = rolloutNow();
    expect(now.status.phase).toBe('Healthy');
    expect(now.status.currentPodHash).toBe(now.status.stableRS);
    expect(replicasByImage()['ghcr.io/greenlang/thermaliq:v1.3.0']).toBe(4);
  });

  it('fails after the configured wait, saying where the rollout stopped, when the controller does not move', async () => {
    canaryAtFirstPause();
    world.kube.argo.controllerRunning = false;
    try {
      const runId = runIdOf(await bot.command('rollout promote', { user: people.operator }));
      expect(await runError(runId)).toBe(
        'The step after 2 not reached within 2 s; the rollout stopped at step 2/8 (pause 10m), canary 10 %, Paused: CanaryPauseStep.',
      );
    } finally {
      world.kube.argo.controllerRunning = true;
    }
  });

  it('refuses a Rollout with nothing to promote, writing nothing', async () => {
    world.kube.argo.addRollout(world.namespace, 'thermaliq', { image: 'app:1', labels: { app: 'thermaliq-canary' } });
    const start = world.kube.requests.length;
    const runId = runIdOf(await bot.command('rollout promote', { user: people.operator }));
    expect(await runError(runId)).toBe(
      'Nothing to promote: rollout thermaliq runs only its stable revision 1 (Healthy).',
    );
    expect(writesSince(start)).toEqual([]);
  });
});

describe('rollout abort', () => {
  it('sets status.abort through the status subresource and waits until the stable is back at 100 %', async () => {
    canaryAtFirstPause();
    world.kube.argo.expirePause(world.namespace, 'thermaliq');
    expect(replicasByImage()['ghcr.io/greenlang/thermaliq:v1.3.0']).toBe(1);
    const start = world.kube.requests.length;
    const runId = runIdOf(await bot.command('rollout abort', { user: people.operator }));
    const shown = await finalText(runId);
    expect(writesSince(start)).toEqual([
      {
        method: 'PATCH',
        path: `${rolloutsPath()}/thermaliq/status`,
        body: { status: { abort: true } },
        contentType: 'application/merge-patch+json',
      },
    ]);
    expect(shown).toContain(
      'Aborted rollout thermaliq in GL-009 THERMALIQ (production): aborted; the stable ghcr.io/greenlang/thermaliq:v1.2.0 (revision 2) is back at 100 % with 4/4 available',
    );
    expect(rolloutNow().status).toMatchObject({ phase: 'Degraded', abort: true });
    expect(replicasByImage()).toMatchObject({
      'ghcr.io/greenlang/thermaliq:v1.2.0': 4,
      'ghcr.io/greenlang/thermaliq:v1.3.0': 0,
    });
  });

  it('refuses a fully promoted Rollout', async () => {
    world.kube.argo.addRollout(world.namespace, 'thermaliq', { image: 'app:1', labels: { app: 'thermaliq-canary' } });
    const runId = runIdOf(await bot.command('rollout abort', { user: people.operator }));
    expect(await runError(runId)).toMatch(/^Nothing to abort: rollout thermaliq runs only its stable revision 1/);
  });
});

describe('rollout undo', () => {
  it('in production asks for approval with the plan, then copies the previous revision’s template and waits', async () => {
    canaryAtFirstPause();
    world.kube.argo.expirePause(world.namespace, 'thermaliq');
    const start = world.kube.requests.length;
    const runId = runIdOf(await bot.command('rollout undo', { user: people.operator }));
    const { approvalId } = await bot.approvalMessage(runId, { timeoutMs: 30_000 });
    // Nothing is written before the approval.
    expect(writesSince(start)).toEqual([]);
    const approval = [...world.slack.messages().values()].find((m) => JSON.stringify(m.blocks).includes(approvalId));
    expect(JSON.stringify(approval?.blocks)).toContain(
      'Roll back rollout thermaliq from revision 3 to revision 2 (ghcr.io/greenlang/thermaliq:v1.2.0)',
    );
    // The requester cannot approve their own request.
    await bot.click('approval_approve', approvalId, { user: people.operator });
    expect(writesSince(start)).toEqual([]);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    const shown = await finalText(runId);
    const writes = writesSince(start);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      method: 'PATCH',
      path: `${rolloutsPath()}/thermaliq`,
      contentType: 'application/json-patch+json',
      body: [
        {
          op: 'replace',
          path: '/spec/template',
          value: {
            metadata: { labels: { app: 'thermaliq-canary' } },
            spec: { containers: [expect.objectContaining({ image: 'ghcr.io/greenlang/thermaliq:v1.2.0' })] },
          },
        },
      ],
    });
    expect(shown).toContain(
      'Rolled back rollout thermaliq in GL-009 THERMALIQ (production) from revision 3: revision 4 (ghcr.io/greenlang/thermaliq:v1.2.0) is stable and Healthy',
    );
    const now = rolloutNow();
    expect(now.status.phase).toBe('Healthy');
    expect(now.metadata.annotations['rollout.argoproj.io/revision']).toBe('4');
    expect(replicasByImage()).toMatchObject({
      'ghcr.io/greenlang/thermaliq:v1.2.0': 4,
      'ghcr.io/greenlang/thermaliq:v1.3.0': 0,
    });
  });

  it('elsewhere is a change without approval; back to an older revision it starts that revision’s canary', async () => {
    world.kube.argo.addRollout(world.namespace, 'web-staging', {
      image: 'web:2',
      history: ['web:1'],
      labels: { app: 'web-staging' },
    });
    const runId = runIdOf(await bot.command('rollout undo --env staging', { user: people.operator }));
    const shown = await finalText(runId);
    expect(shown).toContain(
      'Rolled back rollout web-staging in GL-009 THERMALIQ (staging) from revision 2: revision 3 (web:1) runs as the canary, now at step 2/8 (pause 10m), canary 10 %',
    );
    const [row] = await bot.query<{ risk: string }>('SELECT risk FROM runs WHERE id = $1', [runId]);
    expect(row?.risk).toBe('change');
  });

  it('refuses a Rollout with no previous revision', async () => {
    world.kube.argo.addRollout(world.namespace, 'web-staging', { image: 'solo:1', labels: { app: 'solo' } });
    const runId = runIdOf(await bot.command('rollout undo --env staging', { user: people.operator }));
    expect(await runError(runId)).toBe('Rollout web-staging has no previous revision to go back to (revisions: 1).');
  });
});

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drConfigSchema } from '../../src/config/dr-config.js';
import { replyText, runCount, runToEnd } from '../catalog-data/slack-output.js';
import { type Bot, createWorld, people, production, startBot, type World } from '../helpers/world.js';
import { type FakeKube, startFakeKube } from '../support/fake-kube.js';
import { type LocalHttpServer, readRequestBody, sendJson, startLocalHttpServer } from '../support/local-http-server.js';

const drNamespace = 'gl-009-dr';
const lagQuery = 'max(pg_replication_lag_seconds{cluster="eu-west-1"})';
const probeBody = '{"facility_id":"F-1001","period":"2026-11"}';

/** The secondary region's API: a health URL and the calculate endpoint, each answering the status the test sets. */
interface SecondaryApi {
  server: LocalHttpServer;
  health: number;
  calculate: number;
  calls: { method: string; path: string; body: string }[];
}

async function startSecondaryApi(): Promise<SecondaryApi> {
  const api: Omit<SecondaryApi, 'server'> = { health: 200, calculate: 200, calls: [] };
  const server = await startLocalHttpServer(async (req, res) => {
    const body = (await readRequestBody(req)).toString('utf8');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    api.calls.push({ method: req.method ?? '', path, body });
    if (path === '/v1/thermaliq/health') {
      sendJson(res, api.health, { status: api.health === 200 ? 'healthy' : 'unhealthy' });
    } else if (path === '/v1/thermaliq/calculate' && req.method === 'POST') {
      sendJson(
        res,
        api.calculate,
        api.calculate === 200 ? { emissions_kg: 1234.5 } : { error: 'calculation engine down' },
      );
    } else {
      sendJson(res, 404, { error: 'not found' });
    }
  });
  return Object.assign(api, { server });
}

describe('dr drill from Slack', () => {
  let world: World;
  let bot: Bot;
  let secondaryKube: FakeKube;
  let api: SecondaryApi;

  beforeAll(async () => {
    [secondaryKube, api] = await Promise.all([startFakeKube(), startSecondaryApi()]);
    secondaryKube.addDeployment(drNamespace, 'thermaliq', { replicas: 2, labels: { app: 'thermaliq' } });
    world = await createWorld((cfg) => {
      const prod = production(cfg);
      const kubernetes = prod.kubernetes;
      const cluster = kubernetes?.cluster;
      const service = cfg.services.thermaliq;
      if (!kubernetes || !cluster || !service) throw new Error('test config has no cluster');
      service.environments.dr = {
        ...prod,
        kubernetes: { ...kubernetes, namespace: drNamespace, cluster: { ...cluster, server: secondaryKube.url } },
        healthUrl: `${api.server.origin}/v1/thermaliq/health`,
      };
      prod.dr = drConfigSchema.parse({
        secondary: 'dr',
        probe: {
          method: 'POST',
          url: `${api.server.origin}/v1/thermaliq/calculate`,
          body: probeBody,
          expectedStatus: 200,
        },
        rtoTargetMinutes: 15,
        replicationLagQuery: lagQuery,
      });
    });
    world.prom.respond(lagQuery, 2.5);
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
    await secondaryKube?.close();
    await api?.server.close();
  });

  async function drillBackups(): Promise<string[]> {
    const listed = await world.s3.client.send(
      new ListObjectsV2Command({ Bucket: world.s3.bucket, Prefix: world.backupPrefix }),
    );
    return (listed.Contents ?? []).flatMap((o) => (o.Key?.includes('-dr-drill-') ? [o.Key] : []));
  }

  function reportOf(before: number): string {
    const file = world.slack
      .uploads()
      .slice(before)
      .find((u) => /^dr_drill_report_\d{8}\.md$/.test(u.filename));
    if (!file) throw new Error('no drill report uploaded');
    return file.bytes.toString('utf8');
  }

  it('backs up the primary, checks the secondary cluster, health and probe, and reports RTO and RPO', async () => {
    const before = world.slack.uploads().length;
    const backupsBefore = (await drillBackups()).length;
    const out = await runToEnd(bot, world, 'dr drill', people.operator);

    expect(out.message).toContain('DR drill of GL-009 THERMALIQ (production → dr): passed');
    expect(out.message).toContain('(target: 15 minutes) ✓');
    expect(out.message).toContain('2.5 s (replication lag now)');
    // A fresh custom-format backup of the primary is in S3.
    const backups = await drillBackups();
    expect(backups.length).toBe(backupsBefore + 1);
    expect(backups.at(-1)).toMatch(/\.dump$/);
    // The secondary's pods were read on the secondary's cluster, in its namespace; the primary's cluster was not asked.
    expect(
      secondaryKube.requests.some((r) => r.method === 'GET' && r.path === `/api/v1/namespaces/${drNamespace}/pods`),
    ).toBe(true);
    expect(world.kube.requests.some((r) => r.path.includes(drNamespace))).toBe(false);
    // The functional probe went out as configured.
    expect(api.calls).toContainEqual({ method: 'POST', path: '/v1/thermaliq/calculate', body: probeBody });
    expect(world.prom.queries).toContain(lagQuery);

    const md = reportOf(before);
    for (const section of ['## Scenario', '## Steps Executed', '## Results', '## Issues Found', '## Action Items']) {
      expect(md).toContain(section);
    }
    expect(md).toContain('DNS was not changed');
    expect(md).toContain('3. Updated DNS (simulated: nothing was changed)');
    expect(md).toContain('2. Secondary dr: 2 of 2 pods ready ✓');
    expect(md).toMatch(/- \*\*RTO\*\*: [\d.]+ m?s \(target: 15 minutes\) ✓/);
    expect(md).toContain('- **RPO**: 2.5 s (replication lag now)');
    expect(md).toContain('- **Functionality**: All tests passed ✓');
    expect(md).toContain('## Issues Found\n- None');
  });

  it('fails the probe step when the secondary answers the functional probe wrongly, and the report says so', async () => {
    api.calculate = 500;
    const before = world.slack.uploads().length;
    try {
      const out = await runToEnd(bot, world, 'dr drill', people.operator);
      expect(out.message).toContain('DR drill of GL-009 THERMALIQ (production → dr): failed, 1 issue(s)');
      expect(out.message).toContain('RTO not reached: the secondary did not answer');
      const md = reportOf(before);
      expect(md).toContain('- **Functionality**: Functional probe failed ✗');
      expect(md).toContain(
        `- Functional probe POST ${api.server.origin}/v1/thermaliq/calculate: HTTP 500 ({"error":"calculation engine down"}), expected HTTP 200`,
      );
      expect(md).toContain('- [ ] Fix: Functional probe POST');
      // The other steps still ran and passed.
      expect(md).toContain('2. Secondary dr: 2 of 2 pods ready ✓');
    } finally {
      api.calculate = 200;
    }
  });

  it('fails the pods and health steps when the secondary is not ready and its health URL is down', async () => {
    const [pod] = secondaryKube.pods(drNamespace);
    const name = String((pod?.metadata as { name?: string } | undefined)?.name);
    secondaryKube.updatePod(drNamespace, name, (p) => {
      p.status = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] };
    });
    api.health = 503;
    const before = world.slack.uploads().length;
    try {
      const out = await runToEnd(bot, world, 'dr drill', people.operator);
      expect(out.message).toContain('failed, 2 issue(s)');
      const md = reportOf(before);
      expect(md).toContain('2. Secondary dr: 1 of 2 pods ready ✗');
      expect(md).toContain(`- Secondary pods: 1 of 2 pods not ready (${name} (Pending, not ready))`);
      expect(md).toContain(`4. Secondary health URL ${api.server.origin}/v1/thermaliq/health: HTTP 503 ✗`);
    } finally {
      api.health = 200;
      secondaryKube.updatePod(drNamespace, name, (p) => {
        p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
      });
    }
  });

  it('fails the RTO when the secondary answered later than the target', async () => {
    const prod = production(world.config);
    const dr = prod.dr;
    if (!dr) throw new Error('no dr config');
    // 6 ms: less than any pg_dump takes, so the drill's own clock is always over it.
    prod.dr = { ...dr, rtoTargetMinutes: 0.0001 };
    const before = world.slack.uploads().length;
    try {
      const out = await runToEnd(bot, world, 'dr drill', people.operator);
      expect(out.message).toContain('failed, 1 issue(s)');
      const md = reportOf(before);
      expect(md).toMatch(/- \*\*RTO\*\*: [\d.]+ m?s \(target: 0\.0001 minutes\) ✗/);
      expect(md).toMatch(/- RTO [\d.]+ m?s is above the 0\.0001-minute target/);
      expect(md).toContain('- **Functionality**: All tests passed ✓');
    } finally {
      prod.dr = dr;
    }
  });

  it('refuses extra words, an environment without a DR secondary, and a viewer, before anything is called', async () => {
    const runs = await runCount(bot);
    const backups = (await drillBackups()).length;
    const calls = api.calls.length;
    expect(await replyText(bot, 'dr drill now', people.operator)).toContain(
      'Extra word "now": dr drill takes no words after its name.',
    );
    expect(await replyText(bot, 'dr drill --env staging', people.operator)).toContain('No DR secondary');
    expect(await replyText(bot, 'dr drill', people.viewer)).toMatch(/operator/);
    expect(await runCount(bot)).toBe(runs);
    expect((await drillBackups()).length).toBe(backups);
    expect(api.calls.length).toBe(calls);
  });
});

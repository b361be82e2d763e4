import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';
import { trivyReport } from '../support/kube-security-fixtures.js';
import { waitUntil } from '../support/services.js';

type Reply = { response_type?: string; text?: string };

const image = 'registry.example.invalid/thermaliq/app:1.0.0';
const textOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? '');

// The parts of the Job the bot created that the guide's trivy command and the cluster's safety depend on.
const jobShape = z.object({
  metadata: z.object({ generateName: z.string() }),
  spec: z.object({
    backoffLimit: z.number(),
    activeDeadlineSeconds: z.number(),
    ttlSecondsAfterFinished: z.number(),
    template: z.object({
      spec: z.object({
        restartPolicy: z.string(),
        automountServiceAccountToken: z.boolean(),
        containers: z.array(
          z.object({
            name: z.string(),
            image: z.string(),
            args: z.array(z.string()),
            resources: z.object({ limits: z.record(z.string(), z.string()) }),
          }),
        ),
      }),
    }),
  }),
});

const scanner = {
  image: 'mirror.example.invalid/aquasec/trivy:0.57.0',
  deadlineSeconds: 300,
  ttlSecondsAfterFinished: 900,
  cpu: '250m',
  memory: '768Mi',
};

describe('scan image from Slack', () => {
  let world: World;
  let bot: Bot;

  beforeAll(async () => {
    // Staging keeps the defaults; production's scanner comes from the config, as an air-gapped cluster's would.
    world = await createWorld((cfg) => {
      const env = production(cfg);
      const service = cfg.services.thermaliq;
      if (service) service.environments.staging = structuredClone(env);
      if (env.kubernetes) env.kubernetes.scanner = scanner;
    });
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  const createdJobs = (since: number) =>
    world.kube.requests
      .slice(since)
      .filter((r) => r.method === 'POST' && r.path === `/apis/batch/v1/namespaces/${world.namespace}/jobs`)
      .map((r) => jobShape.parse(r.body));

  it('runs trivy in a Job with a TTL, deadline and limits, and reports vulnerabilities per image and severity', async () => {
    world.kube.jobRunner = () => ({
      succeeded: true,
      logs: {
        'scan-1': trivyReport(
          image,
          [
            {
              id: 'CVE-2024-6119',
              severity: 'HIGH',
              pkg: 'libssl3',
              installed: '3.0.13-1~deb12u1',
              fixed: '3.0.14-1~deb12u2',
            },
            {
              id: 'CVE-2024-45492',
              severity: 'CRITICAL',
              pkg: 'libexpat1',
              installed: '2.5.0-1',
              fixed: '2.5.0-1+deb12u1',
            },
          ],
          [{ id: 'CVE-2024-35195', severity: 'HIGH', pkg: 'requests', installed: '2.31.0' }],
        ),
      },
    });
    const since = world.kube.requests.length;
    const uploadsBefore = world.slack.uploads().length;
    try {
      const runId = runIdOf(await bot.command('scan image', { user: people.operator }));
      const final = textOf(await bot.finalMessage(runId));
      expect(final).toContain(
        'Image scan of GL-009 THERMALIQ (production): 1 image, 1 CRITICAL, 2 HIGH (HIGH,CRITICAL)',
      );
      expect(final).toContain(`*${image}*`);
      expect(final).toContain('3 vulnerabilities, 2 with a fix');

      const [job] = createdJobs(since);
      expect(job?.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300, ttlSecondsAfterFinished: 900 });
      expect(job?.metadata.generateName).toBe('thermaliq-image-scan-');
      expect(job?.spec.template.spec).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false });
      expect(job?.spec.template.spec.containers).toEqual([
        expect.objectContaining({
          name: 'scan-1',
          image: scanner.image,
          args: [
            'image',
            '--format',
            'json',
            '--severity',
            'HIGH,CRITICAL',
            '--quiet',
            '--cache-dir',
            '/tmp/trivy',
            image,
          ],
          resources: expect.objectContaining({ limits: { cpu: '250m', memory: '768Mi' } }),
        }),
      ]);
      // It read the scan container's log by name.
      expect(world.kube.requests.slice(since)).toContainEqual(
        expect.objectContaining({
          method: 'GET',
          path: expect.stringMatching(/\/pods\/thermaliq-image-scan-[\w-]+\/log$/),
          query: expect.objectContaining({ container: 'scan-1' }),
        }),
      );
      const file = world.slack
        .uploads()
        .slice(uploadsBefore)
        .find((u) => u.filename.startsWith('security_scan_'));
      const text = file?.bytes.toString('utf8') ?? '';
      expect(text).toContain('CRITICAL CVE-2024-45492 libexpat1 2.5.0-1 (fixed in 2.5.0-1+deb12u1)');
      expect(text).toContain('HIGH CVE-2024-35195 requests 2.31.0 (no fix yet) · Python');
      // The finished Job is left to its TTL.
      expect(world.kube.requests.slice(since).filter((r) => r.method === 'DELETE')).toEqual([]);
    } finally {
      world.kube.jobRunner = undefined;
    }
  });

  it('passes --severity to trivy, and uses the pinned default scanner where the config sets none', async () => {
    world.kube.jobRunner = () => ({ succeeded: true, logs: { 'scan-1': trivyReport(image, []) } });
    const since = world.kube.requests.length;
    try {
      const runId = runIdOf(
        await bot.command('scan image --severity MEDIUM,CRITICAL --env staging', { user: people.operator }),
      );
      const final = textOf(await bot.finalMessage(runId));
      expect(final).toContain('Image scan of GL-009 THERMALIQ (staging): 1 image, none (MEDIUM,CRITICAL)');
      expect(final).toContain('no MEDIUM/CRITICAL vulnerabilities');
      const [job] = createdJobs(since);
      expect(job?.spec.template.spec.containers[0]?.args).toContain('MEDIUM,CRITICAL');
      expect(job?.spec.template.spec.containers[0]?.image).toBe('aquasec/trivy:0.57.0');
      expect(job?.spec).toMatchObject({ activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 3600 });
    } finally {
      world.kube.jobRunner = undefined;
    }
  });

  it('reports a failed Job as a failure with the Job’s reason and what trivy said', async () => {
    world.kube.jobRunner = () => ({
      succeeded: false,
      exitCodes: { 'scan-1': 1 },
      logs: {
        'scan-1':
          '2026-12-02T10:00:00Z\tFATAL\tFatal error\timage scan error: scan error: unable to initialize a scanner: unable to find the specified image "registry.example.invalid/thermaliq/app:1.0.0": 401 Unauthorized\n',
      },
    });
    try {
      const runId = runIdOf(await bot.command('scan image', { user: people.operator }));
      const final = textOf(await bot.finalMessage(runId));
      expect(final).toMatch(
        /Image scan Job thermaliq-image-scan-\w+ failed \(BackoffLimitExceeded: Job has reached the specified backoff limit\)/,
      );
      expect(final).toContain(`${image}: trivy exited 1 (Error)`);
      expect(final).toContain('401 Unauthorized');
      const [row] = await bot.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]);
      expect(row?.status).toBe('failed');
    } finally {
      world.kube.jobRunner = undefined;
    }
  });

  it('reports a Job whose pod was deleted as a failure saying there is nothing to read', async () => {
    const { kube, namespace: ns } = world;
    const runId = runIdOf(await bot.command('scan image', { user: people.operator }));
    // Without a runner the Job keeps running; the test ends it once its pod runs, after deleting the pod.
    const job = await waitUntil(
      () => kube.jobs(ns).find((j) => (j.status as { active?: number } | undefined)?.active === 1),
      { timeoutMs: 10_000, description: 'the scan Job to run' },
    );
    const name = (job.metadata as { name?: string } | undefined)?.name ?? '';
    for (const p of kube.pods(ns)) {
      const podName = (p.metadata as { name?: string } | undefined)?.name ?? '';
      if (podName.startsWith(`${name}-`)) kube.removePod(ns, podName);
    }
    kube.finishJob(ns, name, { succeeded: false });
    const final = textOf(await bot.finalMessage(runId));
    expect(final).toContain(
      `Image scan Job ${name} failed (BackoffLimitExceeded: Job has reached the specified backoff limit): its pod is gone, so no report to read.`,
    );
  });

  it('deletes the Job, pods included, when the run is cancelled while it waits', async () => {
    const { kube, namespace: ns } = world;
    const runId = runIdOf(await bot.command('scan image', { user: people.operator }));
    const job = await waitUntil(
      () => kube.jobs(ns).find((j) => (j.status as { active?: number } | undefined)?.active === 1),
      { timeoutMs: 10_000, description: 'the scan Job to run' },
    );
    const name = (job.metadata as { name?: string } | undefined)?.name ?? '';
    await bot.click('run_cancel', runId, { user: people.operator });
    await bot.runStatus(runId, 'cancelled', 10_000);
    const deleted = await waitUntil(
      () => kube.requests.find((r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${name}`)),
      { timeoutMs: 10_000, description: `DELETE of job ${name}` },
    );
    expect(deleted.query.propagationPolicy).toBe('Background');
    expect(kube.jobs(ns).map((j) => (j.metadata as { name?: string } | undefined)?.name)).not.toContain(name);
    expect(kube.pods(ns).map((p) => (p.metadata as { name?: string } | undefined)?.name ?? '')).not.toContainEqual(
      expect.stringMatching(new RegExp(`^${name}-`)),
    );
  });

  const listOf = (bad: string) =>
    `--severity takes a comma-separated list of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL (e.g. HIGH,CRITICAL), not "${bad}".`;
  it.each([
    ['scan image --severity HIGH,SEVERE', listOf('HIGH,SEVERE')],
    ['scan image --severity high', listOf('high')],
    ['scan image --severity HIGH,,CRITICAL', listOf('HIGH,,CRITICAL')],
    ['scan image --severity', '--severity needs a value.'],
    ['scan image now', 'Extra word "now": scan image takes no words after its name.'],
    ['scan image --sev HIGH', 'scan image does not take --sev; its flags are --severity HIGH,CRITICAL, --env NAME.'],
  ])('refuses "%s" with a specific reason, before calling the Kubernetes API', async (text, reason) => {
    const before = world.kube.requests.length;
    const reply = await bot.command(text, { user: people.operator });
    const json = reply.json as Reply;
    expect(json.response_type).toBe('ephemeral');
    expect(json.text).toContain(reason);
    expect(world.kube.requests.slice(before)).toEqual([]);
  });
});

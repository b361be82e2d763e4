import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOpsConfig } from '../../src/config/ops-config.js';
import { scriptsSchema } from '../../src/config/scripts-config.js';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { execNotFoundStatus } from '../support/fake-kube-exec.js';
import { waitUntil } from '../support/services.js';

/**
 * Issue 15's exec runbooks from Slack: `deps` (the weekly dependency review) and `script` (the ops config's pod
 * scripts), through signed slash commands into the bot, with the fake Kubernetes API serving exec over WebSocket.
 */

type Reply = { response_type?: string; text?: string };
const textOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? '');

// The shipped config's scripts: the guide's update_benchmarks.py and warm_cache.py, as operators will run them.
const shipped = loadOpsConfig(new URL('../../config/ops.yml', import.meta.url).pathname, {});

let world: World;
let bot: Bot;
let pod = '';

beforeAll(async () => {
  world = await createWorld((cfg) => {
    const service = cfg.services.thermaliq;
    if (!service) throw new Error('no thermaliq service');
    service.scripts = [
      ...(shipped.services.thermaliq?.scripts ?? []),
      ...scriptsSchema.parse([
        {
          name: 'purge-sessions',
          summary: 'Delete expired sessions',
          argv: ['python', '/app/scripts/purge_sessions.py', '--older-than-days', '{days}'],
          params: { days: { type: 'integer', min: 1, max: 90 } },
          risk: 'destructive',
          timeoutSeconds: 60,
        },
      ]),
    ];
  });
  bot = await startBot(world);
  pod = world.kube
    .pods(world.namespace)
    .map((p) => String((p.metadata as { name?: string } | undefined)?.name))
    .sort()[0] as string;
});
afterAll(async () => {
  await bot?.stop();
  await world?.close();
});
beforeEach(() => {
  world.kube.onExec(undefined);
  world.kube.clearFaults();
});

const runCount = async () => Number((await bot.query<{ n: string }>('SELECT count(*) AS n FROM runs'))[0]?.n);

async function run(text: string, user: string = people.operator) {
  const reply = await bot.command(text, { user });
  const runId = runIdOf(reply);
  const final = await bot.finalMessage(runId, 30_000);
  const status = (await bot.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]))[0]?.status;
  return { runId, ts: final.ts, text: textOf(final), status };
}

/** The thread replies of a message, once the outbox posted them. */
const thread = (ts: string) =>
  waitUntil(
    () =>
      world.slack
        .callsOf('chat.postMessage')
        .filter((c) => c.body.thread_ts === ts)
        .map((c) => JSON.stringify(c.body.blocks ?? c.body.text))
        .join('\n') || undefined,
    { timeoutMs: 10_000, description: `the thread of ${ts}` },
  );

/** Refused with a specific reason, as an ephemeral reply; nothing recorded and nothing sent to Kubernetes. */
async function expectRefused(text: string, reason: string, user: string = people.operator) {
  const runs = await runCount();
  const requests = world.kube.requests.length;
  const reply = (await bot.command(text, { user })).json as Reply;
  expect(reply.response_type).toBe('ephemeral');
  expect(reply.text).toContain(reason);
  expect(await runCount()).toBe(runs);
  expect(world.kube.requests.slice(requests)).toEqual([]);
}

// pip's and pip-audit's own JSON, as they print it.
const pipOutdated = JSON.stringify([
  { name: 'Django', version: '4.2.1', latest_version: '5.0.3', latest_filetype: 'wheel' },
  { name: 'requests', version: '2.28.0', latest_version: '2.32.3', latest_filetype: 'wheel' },
]);
const pipAudit = JSON.stringify({
  dependencies: [
    {
      name: 'django',
      version: '4.2.1',
      vulns: [
        { id: 'PYSEC-2023-100', fix_versions: ['4.2.2'], aliases: ['CVE-2023-36053'] },
        { id: 'GHSA-h8gc-pgj2-vjm3', fix_versions: [], aliases: [] },
      ],
    },
    { name: 'requests', version: '2.28.0', vulns: [] },
    { name: 'thermaliq', skip_reason: 'Dependency not found on PyPI and could not be audited: thermaliq (1.2.0)' },
  ],
  fixes: [],
});

describe('deps', () => {
  it('runs pip list --outdated and pip-audit in a ready pod and reports outdated packages and vulnerabilities by severity', async () => {
    world.kube.onExec((call, io) => {
      if (call.command[0] === 'pip') {
        io.stdout(pipOutdated);
        return { exitCode: 0 };
      }
      io.stdout(pipAudit);
      io.stderr('Found 2 known vulnerabilities in 1 package\n');
      // pip-audit exits 1 when it found vulnerabilities.
      return { exitCode: 1 };
    });
    const since = world.kube.execs.length;
    const deps = await run('deps', people.viewer);
    expect(
      world.kube.execs
        .slice(since)
        .map((e) => [e.pod, e.container, e.command.join(' ')])
        .sort(),
    ).toEqual([
      [pod, 'app', 'pip list --outdated --format=json'],
      [pod, 'app', 'pip-audit -f json'],
    ]);
    expect(deps.status).toBe('succeeded');
    expect(deps.text).toContain(
      `Dependencies of GL-009 THERMALIQ (production) in ${pod}: 2 outdated packages, 2 known vulnerabilities`,
    );
    expect(deps.text).toContain('Django 4.2.1 → 5.0.3, requests 2.28.0 → 2.32.3');
    expect(deps.text).toContain('2 vulnerabilities in 1 package');
    expect(deps.text).toContain('by severity: unrated 2 (pip-audit reports no severity');
    const detail = await thread(deps.ts);
    expect(detail).toContain('django 4.2.1: PYSEC-2023-100 (CVE-2023-36053) · fixed in 4.2.2');
    expect(detail).toContain('django 4.2.1: GHSA-h8gc-pgj2-vjm3 · no fix yet');
    expect(detail).toContain('thermaliq: Dependency not found on PyPI');
  });

  it('says a missing pip-audit is missing (exit 127 or not found), without failing the run', async () => {
    world.kube.onExec((call, io) => {
      if (call.command[0] === 'pip') {
        io.stdout('[]');
        return { exitCode: 0 };
      }
      return { status: execNotFoundStatus('pip-audit') };
    });
    const notFound = await run('deps', people.viewer);
    expect(notFound.status).toBe('succeeded');
    expect(notFound.text).toContain('0 outdated packages, pip-audit not installed');
    expect(notFound.text).toContain(`pip-audit is not installed in ${pod}/app`);
    expect(notFound.text).toContain(':large_green_circle:');

    world.kube.onExec((call, io) => {
      if (call.command[0] === 'pip') {
        io.stdout('[]');
        return { exitCode: 0 };
      }
      io.stderr('sh: 1: pip-audit: not found\n');
      return { exitCode: 127 };
    });
    expect((await run('deps', people.viewer)).text).toContain('pip-audit not installed');
  });

  it('reports a failing pip and a refused exec as errors, naming why', async () => {
    world.kube.onExec((call, io) => {
      if (call.command[0] === 'pip') {
        io.stderr('WARNING: Retrying...\nERROR: Could not reach https://pypi.org/simple/\n');
        return { exitCode: 2 };
      }
      io.stdout(JSON.stringify({ dependencies: [], fixes: [] }));
      return { exitCode: 0 };
    });
    const failed = await run('deps', people.viewer);
    expect(failed.text).toContain('pip failed (exit 2): ERROR: Could not reach https://pypi.org/simple/');
    expect(failed.text).toContain('outdated packages could not be checked, 0 known vulnerabilities');

    world.kube.failWith(/\/exec$/, 403, { message: 'pods/exec is forbidden' });
    const forbidden = await run('deps', people.viewer);
    expect(forbidden.text).toContain('Kubernetes API answered 403 to exec pip in');
    expect(forbidden.text).toContain('the bot needs create and get on pods/exec');
  });

  it.each([
    ['deps now', 'Extra word "now": deps takes no words after its name.'],
    ['deps --limit 5', 'deps does not take --limit; its only flag is --env NAME.'],
  ])('refuses `%s` with a specific reason, and nothing reaches Kubernetes', async (text, reason) => {
    await expectRefused(text, reason, people.viewer);
  });
});

describe('script', () => {
  it('runs warm-cache through exec with the typed arguments as argv words, streaming its output', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    world.kube.onExec(async (_call, io) => {
      io.stdout('warming F-1001\n');
      await released;
      for (let i = 1; i <= 60; i += 1) io.stdout(`facility ${i}: 30 days cached\n`);
      io.stderr('done\n');
      return { exitCode: 0 };
    });
    const since = world.kube.execs.length;
    const reply = await bot.command('script warm-cache facilities=F-1001,F-1002 days=7', { user: people.operator });
    const runId = runIdOf(reply);
    // The run's message shows the output while the command still runs.
    await waitUntil(
      () =>
        world.slack
          .callsOf('chat.update')
          .some((c) => JSON.stringify(c.body.blocks ?? '').includes('warming F-1001')) || undefined,
      { timeoutMs: 15_000, description: 'the live output in the run message' },
    );
    release();
    const final = await bot.finalMessage(runId, 30_000);
    expect(world.kube.execs.slice(since)).toEqual([
      {
        namespace: world.namespace,
        pod,
        container: 'app',
        command: [
          'python',
          '/app/scripts/warm_cache.py',
          '--facilities',
          'F-1001',
          'F-1002',
          '--days',
          '7',
          '--concurrency',
          '10',
        ],
        protocol: 'v5.channel.k8s.io',
      },
    ]);
    expect(textOf(final)).toContain('Script warm-cache on GL-009 THERMALIQ (production) finished in');
    // 62 lines: the tail is in the thread, the whole output is a file.
    expect(await thread(final.ts)).toContain('Output (last 40 of 62 lines)');
    const upload = await waitUntil(() => world.slack.uploads().find((u) => u.filename === `warm-cache-${runId}.log`), {
      timeoutMs: 10_000,
      description: 'the output file',
    });
    expect(upload.bytes.toString('utf8')).toContain('facility 60: 30 days cached');
  });

  it('reports a script that exits non-zero, and one whose executable is missing, as failed with its output', async () => {
    world.kube.onExec((_call, io) => {
      io.stderr('Traceback (most recent call last):\nKeyError: industry_database\n');
      return { exitCode: 2 };
    });
    const failed = await run('script update-benchmarks');
    expect(world.kube.execs.at(-1)?.command).toEqual([
      'python',
      '/app/scripts/update_benchmarks.py',
      '--source',
      'industry_database',
      '--regions',
      'all',
    ]);
    expect(failed.text).toContain('Script update-benchmarks on GL-009 THERMALIQ (production) exited with 2 after');
    expect(failed.text).toContain(':red_circle:');
    expect(await thread(failed.ts)).toContain('KeyError: industry_database');

    world.kube.onExec(undefined);
    const missing = await run('script update-benchmarks regions=eu,us-east');
    expect(missing.text).toContain('could not start: python is not in container app');
  });

  it('runs a destructive script only after approval', async () => {
    world.kube.onExec(() => ({ exitCode: 0 }));
    const reply = await bot.command('script purge-sessions days=30', { user: people.operator });
    expect((reply.json as Reply).text).toMatch(/\(planning\)/);
    const runId = runIdOf(reply);
    const before = world.kube.execs.length;
    const { approvalId } = await bot.approvalMessage(runId);
    expect(world.kube.execs.length).toBe(before);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    expect(textOf(await bot.finalMessage(runId, 30_000))).toContain('Script purge-sessions');
    expect(world.kube.execs.at(-1)?.command).toEqual([
      'python',
      '/app/scripts/purge_sessions.py',
      '--older-than-days',
      '30',
    ]);
  });

  it.each([
    ['script', 'script needs <name>: the name of a script the ops config declares, such as warm-cache.'],
    [
      'script nope',
      '<name>: no script "nope" is configured for GL-009 THERMALIQ (production); there are: purge-sessions, update-benchmarks, warm-cache.',
    ],
    [
      'script Warm_Cache',
      '<name> must be the name of a script the ops config declares, such as warm-cache; you gave "Warm_Cache".',
    ],
    ['script warm-cache', 'script warm-cache needs facilities=…: facility IDs separated by commas'],
    [
      'script warm-cache facilities=F-1;rm',
      'facilities must be facility IDs separated by commas (the guide\'s top_facilities.txt), such as F-1001,F-1002; you gave "F-1;rm".',
    ],
    ['script warm-cache facilities=F-1 days=0', 'days must be a whole number from 1 to 365; you gave "0".'],
    ['script warm-cache facilities=F-1 days=$(id)', 'days must be a whole number from 1 to 365; you gave "$(id)".'],
    [
      'script warm-cache facilities=F-1 concurrency=51',
      'concurrency must be a whole number from 1 to 50; you gave "51".',
    ],
    [
      'script warm-cache facilities=F-1 colour=red',
      'colour: script warm-cache has no such parameter; it takes facilities, days, concurrency.',
    ],
    ['script update-benchmarks source=web', 'source must be one of: industry_database; you gave "web".'],
    [
      'script update-benchmarks regions=all;ls',
      'regions must be all, or region codes separated by commas such as eu,us-east; you gave "all;ls".',
    ],
    ['script warm-cache facilities', 'Extra word "facilities": script takes only <name> <param=value ...>.'],
    ['script warm-cache --force yes', 'script does not take --force; its only flag is --env NAME.'],
  ])('refuses `%s` with a specific reason, and nothing reaches Kubernetes', async (text, reason) => {
    await expectRefused(text, reason);
  });

  it('needs the role of the risk the script declares', async () => {
    await expectRefused(
      'script warm-cache facilities=F-1',
      'script with these arguments is change and needs the operator role; you have viewer.',
      people.viewer,
    );
  });
});

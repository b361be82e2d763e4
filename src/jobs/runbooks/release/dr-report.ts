import { z } from 'zod';
import { formatBytes, formatSeconds } from '../../health/checks/format.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { RunTarget } from '../../runbook.js';
import { drOutputs } from './dr-steps.js';

const parsed = z.object({
  backup: drOutputs.backup,
  pods: drOutputs.pods,
  health: drOutputs.health,
  probe: drOutputs.probe,
  rpo: drOutputs.rpo,
});
type Outputs = z.infer<typeof parsed>;

/** How the drill's clock is shown: seconds under two minutes, else minutes. */
function duration(ms: number): string {
  return ms < 120_000 ? formatSeconds(ms / 1000) : `${Number((ms / 60_000).toFixed(1))} minutes`;
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

interface Judged {
  rto: { ms?: number; met: boolean; text: string };
  rpo: string;
  issues: string[];
}

function judge(o: Outputs, targetMinutes: number): Judged {
  const issues: string[] = [];
  if (!o.backup.ok) issues.push(`Backup of the primary failed: ${o.backup.reason ?? 'unknown'}`);
  if (!o.pods.ok)
    issues.push(
      `Secondary pods: ${o.pods.reason ?? 'not ready'}${o.pods.notReady.length > 0 ? ` (${o.pods.notReady.join(', ')})` : ''}`,
    );
  if (!o.health.ok) issues.push(`Secondary health URL ${o.health.url}: ${o.health.reason ?? 'failed'}`);
  if (o.probe.configured && !o.probe.ok) {
    const got =
      o.probe.status === undefined
        ? (o.probe.detail ?? 'no answer')
        : `HTTP ${o.probe.status}${o.probe.detail ? ` (${o.probe.detail})` : ''}`;
    issues.push(`Functional probe ${o.probe.request ?? ''}: ${got}, expected HTTP ${o.probe.expected ?? 200}`);
  }
  const secondaryWorks = o.pods.ok && o.health.ok && o.probe.ok;
  const targetMs = targetMinutes * 60_000;
  let rto: Judged['rto'];
  if (secondaryWorks && o.probe.answeredAt !== undefined) {
    const ms = o.probe.answeredAt - o.backup.startedAt;
    const met = ms <= targetMs;
    rto = { ms, met, text: `${duration(ms)} (target: ${targetMinutes} minutes) ${mark(met)}` };
    if (!met) issues.push(`RTO ${duration(ms)} is above the ${targetMinutes}-minute target`);
  } else {
    rto = { met: false, text: `not reached: the secondary did not answer (target: ${targetMinutes} minutes) ✗` };
  }
  let rpo: string;
  if (!o.rpo.configured) rpo = 'not measured: no dr.replicationLagQuery configured';
  else if (o.rpo.lagSeconds !== undefined) rpo = `${formatSeconds(o.rpo.lagSeconds)} (replication lag now)`;
  else {
    rpo = `not measured: ${o.rpo.reason ?? 'no data'}`;
    issues.push(`Replication lag could not be read: ${o.rpo.reason ?? 'no data'}`);
  }
  return { rto, rpo, issues };
}

/** The guide's drill report (Scenario, Steps Executed, Results, Issues Found, Action Items) as Markdown. */
function markdown(target: RunTarget, o: Outputs, j: Judged, secondary: string, date: string): string {
  const b = o.backup;
  const probeLine = o.probe.configured
    ? `Functional probe ${o.probe.request ?? ''}: ${o.probe.status === undefined ? (o.probe.detail ?? 'no answer') : `HTTP ${o.probe.status}`} (expected ${o.probe.expected ?? 200}) ${mark(o.probe.ok)}`
    : 'Functional probe: none configured (dr.probe); the health URL stands in';
  const functionality = o.probe.configured
    ? o.probe.ok
      ? 'All tests passed ✓'
      : 'Functional probe failed ✗'
    : 'Not tested: no functional probe configured';
  return [
    `# Disaster Recovery Drill Report - ${date}`,
    '',
    '## Scenario',
    `Complete failure of the primary (${target.service.displayName}, ${target.environment}): failover to the secondary environment ${secondary}.`,
    'DNS was not changed: as in the guide, that step is simulated, and the drill checks the secondary directly.',
    '',
    '## Steps Executed',
    `1. Database backup of ${target.environment}: ${b.ok ? `${b.key ?? ''} (${formatBytes(b.size ?? 0)} in ${duration(b.durationMs ?? 0)})` : `failed: ${b.reason ?? ''}`} ${mark(b.ok)}`,
    `2. Secondary ${secondary}: ${o.pods.ready} of ${o.pods.total} pods ready ${mark(o.pods.ok)}`,
    '3. Updated DNS (simulated: nothing was changed)',
    `4. Secondary health URL ${o.health.url}: ${o.health.status === undefined ? (o.health.reason ?? 'no answer') : `HTTP ${o.health.status}`} ${mark(o.health.ok)}`,
    `5. ${probeLine}`,
    '6. Measured failover time (from the start of the drill to the secondary answering)',
    '',
    '## Results',
    `- **RTO**: ${j.rto.text}`,
    `- **RPO**: ${j.rpo}`,
    `- **Functionality**: ${functionality}`,
    '',
    '## Issues Found',
    ...(j.issues.length > 0 ? j.issues.map((i) => `- ${i}`) : ['- None']),
    '',
    '## Action Items',
    ...j.issues.map((i) => `- [ ] Fix: ${i}`),
    '- [ ] Document procedure',
    '- [ ] Update runbooks',
    '- [ ] Train team on DR process',
    '',
  ].join('\n');
}

/** The drill's report: one item per step, RTO and RPO, and the Markdown drill report as a file. */
export function drReport(
  target: RunTarget,
  outputs: Readonly<Record<string, unknown>>,
  dr: { secondary: string; rtoTargetMinutes: number },
): RunReport {
  const o = parsed.parse(outputs);
  const j = judge(o, dr.rtoTargetMinutes);
  const item = (id: string, title: string, ok: boolean, value: string | undefined, summary?: string): ProgressItem => ({
    id,
    title,
    status: ok ? 'succeeded' : 'failed',
    ...(value ? { value } : {}),
    ...(summary ? { summary } : {}),
  });
  const items: ProgressItem[] = [
    item(
      'backup',
      'Backup of the primary',
      o.backup.ok,
      o.backup.ok ? formatBytes(o.backup.size ?? 0) : undefined,
      o.backup.ok ? o.backup.key : o.backup.reason,
    ),
    item('pods', `Pods of ${dr.secondary} ready`, o.pods.ok, `${o.pods.ready} of ${o.pods.total}`, o.pods.reason),
    { id: 'dns', title: 'DNS', status: 'skipped', summary: 'not changed (simulated, as in the guide)' },
    item(
      'health',
      `Health URL of ${dr.secondary}`,
      o.health.ok,
      o.health.status === undefined ? undefined : `HTTP ${o.health.status}`,
      o.health.reason,
    ),
    o.probe.configured
      ? item(
          'probe',
          'Functional probe',
          o.probe.ok,
          o.probe.status === undefined ? undefined : `HTTP ${o.probe.status} (expected ${o.probe.expected ?? 200})`,
          o.probe.ok ? o.probe.request : `${o.probe.request ?? ''}: ${o.probe.detail ?? ''}`.trim(),
        )
      : { id: 'probe', title: 'Functional probe', status: 'skipped', summary: 'none configured (dr.probe)' },
    { id: 'rto', title: 'RTO', status: j.rto.ms !== undefined && j.rto.met ? 'ok' : 'fail', value: j.rto.text },
    {
      id: 'rpo',
      title: 'RPO',
      status: o.rpo.lagSeconds !== undefined ? 'ok' : o.rpo.configured ? 'error' : 'skipped',
      value: j.rpo,
    },
  ];
  const failed = items.some((i) => i.status === 'failed' || i.status === 'fail');
  const date = new Date(o.backup.startedAt).toISOString().slice(0, 10);
  const md = markdown(target, o, j, dr.secondary, date);
  return {
    status: failed ? 'fail' : o.rpo.configured && o.rpo.lagSeconds === undefined ? 'warn' : 'ok',
    headline:
      `DR drill of ${target.service.displayName} (${target.environment} → ${dr.secondary}): ` +
      (failed ? `failed, ${j.issues.length} issue(s); RTO ${j.rto.text}` : `passed; RTO ${j.rto.text}; RPO ${j.rpo}`),
    items,
    details: [{ title: 'Issues found', lines: j.issues.length > 0 ? j.issues : ['None'] }],
    files: [
      {
        filename: `dr_drill_report_${date.replaceAll('-', '')}.md`,
        title: `DR drill report ${date} (${target.environment} → ${dr.secondary})`,
        content: md,
        encoding: 'utf8',
      },
    ],
  };
}

import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { commandMissing, type ExecResult } from '../../../infra/kube-exec.js';
import type { CheckStatus } from '../../health/check.js';
import { firstLine } from '../../health/checks/outcome.js';
import { worstStatus } from '../../health/checks/severity.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { StepContext } from '../../runbook.js';
import { readRunbook } from '../catalog-ops-report.js';
import { leftovers } from '../k8s/k8s-context.js';
import {
  type AuditFindings,
  type OutdatedPackage,
  parseAudit,
  parseOutdated,
  severities,
  type Vulnerability,
} from './deps-parse.js';
import { type ExecPod, pickExecPod, requireExec } from './exec-context.js';

const params = z.object({}).strict();

/** The guide's two commands, as JSON. pip needs PyPI for --outdated, so each gets minutes, not seconds. */
export const depsCommands = {
  outdated: ['pip', 'list', '--outdated', '--format=json'],
  audit: ['pip-audit', '-f', 'json'],
} as const;
const commandTimeoutMs = 180_000;
const maxOutputBytes = 4 * 1024 * 1024;
// Packages and vulnerabilities named in the message itself; all are in the thread.
const summaryLimit = 5;

type Ran = { result: ExecResult } | { error: string };

async function run(ctx: StepContext<unknown>, pod: ExecPod, argv: readonly string[]): Promise<Ran> {
  try {
    const result = await requireExec(ctx).exec(pod.name, pod.container, argv, {
      signal: ctx.signal,
      timeoutMs: commandTimeoutMs,
      maxOutputBytes,
    });
    return { result };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { error: messageOf(err) };
  }
}

/** Why a command's output cannot be read, if it cannot: the tool is missing, it failed, or it said too much. */
function problemOf(ran: Ran, tool: string, where: string, okExits: readonly number[]): ProblemItem | undefined {
  if ('error' in ran) return { status: 'error', summary: firstLine(ran.error) };
  const r = ran.result;
  if (commandMissing(r)) return { status: 'skipped', summary: `${tool} is not installed in ${where}`, missing: true };
  if (r.exitCode === undefined || !okExits.includes(r.exitCode)) {
    const why = r.exitCode === undefined ? (r.failure ?? 'no exit status') : `exit ${r.exitCode}`;
    const said = firstLine(r.stderr.trim().split('\n').at(-1) ?? '');
    return { status: 'error', summary: `${tool} failed (${why})${said ? `: ${said}` : ''}` };
  }
  if (r.dropped.stdout > 0) {
    return { status: 'error', summary: `${tool} wrote more than ${maxOutputBytes / 1024 / 1024} MiB; not read` };
  }
  return undefined;
}

interface ProblemItem {
  status: CheckStatus;
  summary: string;
  missing?: boolean;
}

function parsed<T>(ran: Ran, parse: (stdout: string) => T, tool: string): T | ProblemItem {
  if ('error' in ran) return { status: 'error', summary: ran.error };
  try {
    return parse(ran.result.stdout);
  } catch (err) {
    return { status: 'error', summary: `${tool} did not print the JSON expected: ${firstLine(messageOf(err), 120)}` };
  }
}

/** A progress item's status as a check status (the items here only ever carry check statuses). */
function checkStatusOf(status: ProgressItem['status']): CheckStatus {
  return status === 'ok' || status === 'warn' || status === 'fail' || status === 'skipped' ? status : 'error';
}

const isProblem = (v: unknown): v is ProblemItem =>
  typeof v === 'object' && v !== null && 'status' in v && 'summary' in v && !Array.isArray(v);

function outdatedItem(found: OutdatedPackage[] | ProblemItem): ProgressItem {
  const base = { id: 'outdated', title: 'Outdated packages (pip list --outdated)' };
  if (isProblem(found)) return { ...base, status: found.status, summary: found.summary };
  const shown = found.slice(0, summaryLimit).map((p) => `${p.name} ${p.version} → ${p.latest}`);
  const more = found.length - shown.length;
  return {
    ...base,
    status: found.length > 0 ? 'warn' : 'ok',
    value: `${found.length} outdated`,
    summary:
      found.length === 0
        ? 'every package is at its latest version'
        : `${shown.join(', ')}${more > 0 ? `, +${more} more` : ''}`,
  };
}

function bySeverity(vulns: readonly Vulnerability[]): string {
  return severities
    .map((s) => [s, vulns.filter((v) => v.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(' · ');
}

function auditItem(found: AuditFindings | ProblemItem): ProgressItem {
  const base = { id: 'vulnerabilities', title: 'Known vulnerabilities (pip-audit)' };
  if (isProblem(found)) return { ...base, status: found.status, summary: found.summary };
  const vulns = found.vulnerabilities;
  const packages = new Set(vulns.map((v) => v.package)).size;
  return {
    ...base,
    status: vulns.length > 0 ? 'fail' : 'ok',
    value: `${countOf(vulns.length, 'vulnerability', 'vulnerabilities')} in ${countOf(packages, 'package')}`,
    summary:
      vulns.length === 0
        ? `none known in ${countOf(found.audited, 'audited package')}`
        : `by severity: ${bySeverity(vulns)}${vulns.every((v) => v.severity === 'unrated') ? ' (pip-audit reports no severity; see the advisories)' : ''}`,
  };
}

function vulnerabilityLines(found: AuditFindings): string[] {
  return severities.flatMap((s) => {
    const group = found.vulnerabilities.filter((v) => v.severity === s);
    if (group.length === 0) return [];
    return [
      `${s.toUpperCase()} (${group.length})`,
      ...group.map(
        (v) =>
          `  ${v.package} ${v.version}: ${v.id}${v.aliases.length > 0 ? ` (${v.aliases.join(', ')})` : ''} · ${v.fixVersions.length > 0 ? `fixed in ${v.fixVersions.join(', ')}` : 'no fix yet'}`,
      ),
    ];
  });
}

/** The guide's weekly "Dependency Updates Review": `pip list --outdated` and `pip-audit` inside a pod of the service. */
export const depsRunbook = readRunbook({
  name: 'deps',
  summary:
    'Outdated Python packages (pip list --outdated) and known vulnerabilities (pip-audit) in a pod of the service',
  usage: 'deps [--env NAME]',
  examples: ['deps', 'deps --env staging'],
  params,
  parseArgs: leftovers,
  async validate(ctx) {
    requireExec(ctx);
  },
  title: 'Check dependencies',
  timeoutMs: 2 * commandTimeoutMs + 30_000,
  async collect(ctx): Promise<RunReport> {
    const pod = await pickExecPod(ctx);
    const where = `${pod.name}/${pod.container}`;
    ctx.progress([{ id: 'collect', title: `Check dependencies in ${where}`, status: 'running' }]);
    const [outdatedRan, auditRan] = await Promise.all([
      run(ctx, pod, depsCommands.outdated),
      run(ctx, pod, depsCommands.audit),
    ]);
    const outdated = problemOf(outdatedRan, 'pip', where, [0]) ?? parsed(outdatedRan, parseOutdated, 'pip');
    // pip-audit exits 1 when it found vulnerabilities; its JSON is the report either way.
    const audit = problemOf(auditRan, 'pip-audit', where, [0, 1]) ?? parsed(auditRan, parseAudit, 'pip-audit');
    const items = [outdatedItem(outdated), auditItem(audit)];
    const details: RunReport['details'] = [];
    if (!isProblem(outdated) && outdated.length > 0) {
      details.push({
        title: `Outdated packages: ${outdated.length}`,
        lines: outdated.map((p) => `${p.name} ${p.version} → ${p.latest}`),
      });
    }
    if (!isProblem(audit)) {
      if (audit.vulnerabilities.length > 0) {
        details.push({ title: 'Known vulnerabilities, by severity', lines: vulnerabilityLines(audit) });
      }
      if (audit.skipped.length > 0) {
        details.push({
          title: `Not audited by pip-audit: ${audit.skipped.length}`,
          lines: audit.skipped.map((s) => `${s.name}: ${s.reason}`),
        });
      }
    }
    const missing = [outdated, audit]
      .filter((v) => isProblem(v) && v.missing)
      .map((v) => (isProblem(v) ? v.summary : ''));
    if (missing.length > 0) {
      details.push({
        title: 'Missing tools',
        lines: [...missing, 'Add them to the image (pip install pip-audit) to have this check run them.'],
      });
    }
    const outdatedText = isProblem(outdated)
      ? outdated.missing
        ? 'pip not installed'
        : 'outdated packages could not be checked'
      : countOf(outdated.length, 'outdated package');
    const auditText = isProblem(audit)
      ? audit.missing
        ? 'pip-audit not installed'
        : 'vulnerabilities could not be checked'
      : countOf(audit.vulnerabilities.length, 'known vulnerability', 'known vulnerabilities');
    const service = `${ctx.target.service.displayName} (${ctx.target.environment})`;
    return {
      // A missing tool is said as such (its line is skipped), not counted as a failure of the run.
      status: worstStatus(items.map((i) => (i.status === 'skipped' ? 'ok' : checkStatusOf(i.status)))),
      headline: `Dependencies of ${service} in ${pod.name}: ${outdatedText}, ${auditText}`,
      items,
      details,
    };
  },
});

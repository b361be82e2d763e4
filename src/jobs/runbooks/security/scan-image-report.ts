import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import type { CheckStatus } from '../../health/check.js';
import { worstStatus } from '../../health/checks/severity.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { RunTarget } from '../../runbook.js';
import { trivySeverities, type Vulnerability } from './trivy-report.js';

/** One image's scan: what trivy found in it. */
export interface ImageScan {
  image: string;
  vulnerabilities: Vulnerability[];
}

const readOutput = z.object({
  job: z.string(),
  pod: z.string(),
  scans: z.array(
    z.object({
      image: z.string(),
      vulnerabilities: z.array(
        z.object({
          id: z.string(),
          severity: z.enum(trivySeverities),
          pkg: z.string(),
          installed: z.string(),
          fixed: z.string().optional(),
          title: z.string().optional(),
          target: z.string(),
        }),
      ),
    }),
  ),
});

/** Vulnerabilities listed per image in the thread; all of them are in the file. */
const detailLimit = 50;

/** Worst severity first. */
const worstFirst = [...trivySeverities].reverse();

/** The message of a scan that produced no usable report: the Job's verdict and what each image's container said. */
export function scanFailure(
  job: string,
  outcome: { finished: string; reason?: string; message?: string },
  problems: string[],
): string {
  const verdict =
    outcome.finished === 'Failed'
      ? `failed${outcome.reason ? ` (${outcome.reason}${outcome.message ? `: ${outcome.message}` : ''})` : ''}`
      : 'finished without a usable report';
  return `Image scan Job ${job} ${verdict}${problems.length > 0 ? `: ${problems.join('; ')}` : ''}.`;
}

function countsOf(vulns: Vulnerability[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of vulns) counts[v.severity] = (counts[v.severity] ?? 0) + 1;
  return counts;
}

function countsText(counts: Record<string, number>): string {
  const parts = worstFirst.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** Critical or high fails, medium warns, anything else is ok. */
function statusOf(counts: Record<string, number>): CheckStatus {
  if ((counts.CRITICAL ?? 0) + (counts.HIGH ?? 0) > 0) return 'fail';
  return (counts.MEDIUM ?? 0) > 0 ? 'warn' : 'ok';
}

const order = (v: Vulnerability) => worstFirst.indexOf(v.severity);

function line(v: Vulnerability): string {
  const fix = v.fixed ? `fixed in ${v.fixed}` : 'no fix yet';
  return `${v.severity} ${v.id} ${v.pkg} ${v.installed} (${fix}) · ${v.target}${v.title ? ` · ${v.title}` : ''}`;
}

/** The scan's report: one line per image with counts by severity, the worst vulnerabilities in the thread, all in a file. */
export function scanReport(target: RunTarget, severities: string[], output: unknown): RunReport {
  const { job, scans } = readOutput.parse(output);
  const all = scans.flatMap((s) => s.vulnerabilities);
  const total = countsOf(all);
  const items: ProgressItem[] = scans.map((s) => {
    const counts = countsOf(s.vulnerabilities);
    const fixable = s.vulnerabilities.filter((v) => v.fixed).length;
    return {
      id: `image:${s.image}`,
      title: s.image,
      status: statusOf(counts),
      value: countsText(counts),
      summary:
        s.vulnerabilities.length === 0
          ? `no ${severities.join('/')} vulnerabilities`
          : `${countOf(s.vulnerabilities.length, 'vulnerability', 'vulnerabilities')}, ${fixable} with a fix`,
    };
  });
  const sorted = (vs: Vulnerability[]) => [...vs].sort((a, b) => order(a) - order(b) || a.id.localeCompare(b.id));
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const where = `${target.service.displayName} (${target.environment})`;
  return {
    status: worstStatus(['ok', statusOf(total)]),
    headline: `Image scan of ${where}: ${countOf(scans.length, 'image')}, ${countsText(total)} (${severities.join(',')})`,
    items,
    details: scans.map((s) => {
      const lines = sorted(s.vulnerabilities).map(line);
      return {
        title: `${s.image}: ${countsText(countsOf(s.vulnerabilities))}`,
        lines:
          lines.length > detailLimit
            ? [...lines.slice(0, detailLimit), `… ${lines.length - detailLimit} more in the file`]
            : lines,
      };
    }),
    files: [
      {
        filename: `security_scan_${target.serviceKey}_${target.environment}_${date}.txt`,
        title: `trivy --severity ${severities.join(',')} (Job ${job})`,
        content: `${scans
          .map((s) =>
            [`${s.image}: ${countsText(countsOf(s.vulnerabilities))}`, ...sorted(s.vulnerabilities).map(line)].join(
              '\n',
            ),
          )
          .join('\n\n')}\n`,
        encoding: 'utf8',
      },
    ],
  };
}

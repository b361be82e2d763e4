import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { CheckStatus } from '../../health/check.js';
import { firstLine } from '../../health/checks/outcome.js';
import { worstStatus } from '../../health/checks/severity.js';
import type { ProgressItem, ReportFile } from '../../report.js';
import type { StepContext } from '../../runbook.js';
import { readRunbook } from '../catalog-ops-report.js';
import { leftovers } from '../k8s/k8s-context.js';
import {
  type AuditArea,
  bindingFindings,
  bindingLines,
  exposureFindings,
  type Finding,
  imageFindings,
  networkFindings,
  podFindings,
  reachesNamespace,
  type Severity,
  severities,
  sortFindings,
} from './audit-findings.js';
import { requireSecurity } from './security-context.js';

const params = z.object({}).strict();

/** What one area of the audit read: its findings and its listing, or the error that stopped the read. */
interface AreaResult {
  area: AuditArea;
  findings: Finding[];
  listing: { title: string; lines: string[] }[];
  error?: string;
}

const statusOf: Record<Severity, CheckStatus> = {
  critical: 'fail',
  high: 'fail',
  medium: 'warn',
  low: 'ok',
  info: 'ok',
};

/** Reads one area; an API error (a 403, an unserved API) is that area's result, not the end of the audit. */
async function area(
  ctx: StepContext<unknown>,
  name: AuditArea,
  read: () => Promise<Omit<AreaResult, 'area'>>,
): Promise<AreaResult> {
  try {
    return { area: name, ...(await read()) };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { area: name, findings: [], listing: [], error: firstLine(messageOf(err)) };
  }
}

function countsText(findings: Finding[]): string {
  const parts = severities
    .filter((s) => s !== 'info')
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return parts.length === 0 ? 'no findings' : parts.join(', ');
}

/** An area's status: its worst finding's, ok without any. */
function areaStatus(findings: Finding[]): CheckStatus {
  return worstStatus(['ok', ...findings.map((f) => statusOf[f.severity])]);
}

function areaItem(r: AreaResult): ProgressItem {
  const base = { id: `audit:${r.area}`, title: r.area };
  if (r.error !== undefined) return { ...base, status: 'error', summary: r.error };
  const sorted = sortFindings(r.findings);
  const worst = sorted[0];
  return {
    ...base,
    status: areaStatus(sorted),
    value: countsText(sorted),
    summary: worst ? worst.text : 'nothing to flag',
  };
}

/** The guide's security_audit_YYYYMMDD.md: every finding and every listing, for the thread. */
function markdownReport(title: string, findings: Finding[], results: AreaResult[]): string {
  const lines = [`# ${title}`, '', '## Findings', ''];
  if (findings.length === 0) lines.push('None.');
  for (const f of findings) lines.push(`- **${f.severity.toUpperCase()}** ${f.area}: ${f.text}`);
  for (const r of results) {
    lines.push('', `## ${r.area}`, '');
    if (r.error !== undefined) lines.push(`Could not read: ${r.error}`);
    for (const l of r.listing) {
      lines.push(`### ${l.title}`, '', ...(l.lines.length === 0 ? ['(none)'] : l.lines.map((x) => `- ${x}`)), '');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The guide's quarterly security audit, read-only: RBAC, network policies, images, exposed services, pod security. */
export const securityAuditRunbook = readRunbook({
  name: 'security audit',
  summary:
    'Quarterly security audit: role bindings, network policies, image tags, LoadBalancer services, privileged and root pods',
  usage: 'security audit [--env NAME]',
  examples: ['security audit', 'security audit --env staging'],
  params,
  parseArgs: leftovers,
  async validate(ctx) {
    requireSecurity(ctx);
  },
  title: 'Audit the namespace',
  timeoutMs: 60_000,
  async collect(ctx) {
    const k = requireSecurity(ctx);
    const ns = k.namespace;
    const o = { signal: ctx.signal };
    const results = await Promise.all([
      area(ctx, 'RBAC', async () => {
        const [roleBindings, clusterBindings] = await Promise.all([
          k.listRoleBindings(o),
          k.listClusterRoleBindings(o),
        ]);
        const reaching = clusterBindings.filter((b) => reachesNamespace(b, ns));
        return {
          findings: [
            ...bindingFindings(roleBindings, 'RoleBinding'),
            ...bindingFindings(reaching, 'ClusterRoleBinding'),
          ],
          listing: [
            { title: `RoleBindings in ${ns}`, lines: roleBindings.flatMap(bindingLines) },
            { title: `ClusterRoleBindings reaching ${ns}`, lines: reaching.flatMap(bindingLines) },
          ],
        };
      }),
      area(ctx, 'Network policies', async () => {
        const policies = await k.listNetworkPolicies(o);
        return {
          findings: networkFindings(policies, ns),
          listing: [
            {
              title: `NetworkPolicies in ${ns}`,
              lines: policies.map((p) => `${p.name}: ${p.podSelector} · ${p.policyTypes.join(', ')}`),
            },
          ],
        };
      }),
      (async (): Promise<AreaResult[]> => {
        // One read of the pods serves both the image and the securityContext checks.
        try {
          const pods = await k.listPodSecurity(o);
          const images = new Map<string, Set<string>>();
          for (const p of pods) {
            for (const c of p.containers) images.set(c.image, (images.get(c.image) ?? new Set()).add(c.name));
          }
          const podLines = pods.flatMap((p) =>
            p.containers.map(
              (c) =>
                `${p.name}/${c.name}${c.init ? ' (init)' : ''}: privileged=${c.privileged} runAsUser=${c.runAsUser ?? 'unset'} ` +
                `runAsNonRoot=${c.runAsNonRoot ?? 'unset'} allowPrivilegeEscalation=${c.allowPrivilegeEscalation ?? 'unset'}`,
            ),
          );
          return [
            {
              area: 'Images',
              findings: imageFindings([...images.keys()].sort()),
              listing: [
                {
                  title: `Images of ${countOf(pods.length, 'pod')}`,
                  lines: [...images]
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([i, c]) => `${i} (${[...c].join(', ')})`),
                },
              ],
            },
            {
              area: 'Pod security',
              findings: podFindings(pods),
              listing: [{ title: 'securityContext per container', lines: podLines }],
            },
          ];
        } catch (err) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          const error = firstLine(messageOf(err));
          return [
            { area: 'Images', findings: [], listing: [], error },
            { area: 'Pod security', findings: [], listing: [], error },
          ];
        }
      })(),
      area(ctx, 'Exposed services', async () => {
        const services = await k.listServices(o);
        return {
          findings: exposureFindings(services),
          listing: [
            {
              title: `Services in ${ns}`,
              lines: services.map(
                (s) =>
                  `${s.name}: ${s.type}${s.addresses.length > 0 ? ` at ${s.addresses.join(', ')}` : ''} (${s.ports.join(', ')})`,
              ),
            },
          ],
        };
      }),
    ]);
    const order: AuditArea[] = ['RBAC', 'Network policies', 'Images', 'Exposed services', 'Pod security'];
    const all = results.flat().sort((a, b) => order.indexOf(a.area) - order.indexOf(b.area));
    const findings = sortFindings(all.flatMap((r) => r.findings));
    const items = all.map(areaItem);
    const where = `${ctx.target.service.displayName} (${ctx.target.environment})`;
    const failed = all.filter((r) => r.error !== undefined).map((r) => r.area);
    const date = new Date().toISOString().slice(0, 10);
    const title = `Security audit of ${where}, namespace ${ns}, ${date}`;
    const file: ReportFile = {
      filename: `security_audit_${ctx.target.serviceKey}_${ctx.target.environment}_${date.replaceAll('-', '')}.md`,
      title,
      content: markdownReport(title, findings, all),
      encoding: 'utf8',
    };
    return {
      status: worstStatus(all.map((r) => (r.error === undefined ? areaStatus(r.findings) : 'error'))),
      headline:
        `Security audit of ${where}: ${countsText(findings)}` +
        (failed.length > 0 ? `; could not read ${failed.join(', ')}` : ''),
      items,
      details: [
        {
          title: `Findings (${findings.length})`,
          lines: findings.map((f) => `[${f.severity.toUpperCase()}] ${f.area}: ${f.text}`),
        },
      ],
      files: [file],
    };
  },
});

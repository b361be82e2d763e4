import { z } from 'zod';
import type { Thresholds } from '../../../config/thresholds.js';
import { messageOf } from '../../../errors.js';
import { clusterConfigured } from '../../../infra/kube-config.js';
import type { CertificateRenewal } from '../../../infra/kube-workload-types.js';
import type { TlsEndpoint } from '../../../infra/tls.js';
import type { CheckStatus } from '../../health/check.js';
import { firstLine } from '../../health/checks/outcome.js';
import { worstStatus } from '../../health/checks/severity.js';
import type { ProgressItem } from '../../report.js';
import type { StepContext } from '../../runbook.js';
import { readRunbook } from '../catalog-ops-report.js';
import { environmentPath, leftovers, requireWorkloads } from '../k8s/k8s-context.js';
import { formatRelative, formatUtc } from '../k8s/k8s-format.js';

const params = z.object({}).strict();

const dayMs = 86_400_000;
// cert-manager renews at renewalTime; an hour past it without a new notAfter means the renewal is stuck.
const renewalGraceMs = 3_600_000;
// Certificates listed one per line in the message; the rest are counted, and all are in the thread.
const itemLimit = 20;

/** One certificate's verdict, as a message line and thread lines. */
interface CertVerdict {
  status: CheckStatus;
  item: ProgressItem;
  daysLeft?: number;
  /** daysText of the certificate, for the headline. */
  when?: string;
  lines: string[];
}

function expiryStatus(notAfter: Date, t: Thresholds, now: number): { status: CheckStatus; daysLeft: number } {
  const daysLeft = Math.trunc((notAfter.getTime() - now) / dayMs);
  const expired = notAfter.getTime() <= now;
  const status: CheckStatus =
    expired || daysLeft < t.certificateCriticalDays ? 'fail' : daysLeft < t.certificateMinDays ? 'warn' : 'ok';
  return { status, daysLeft };
}

/** Days left for people: "42 days left", "expires today", "expired 3 days ago". */
function daysText(notAfter: Date, daysLeft: number, now: number): string {
  const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
  if (notAfter.getTime() > now) return daysLeft === 0 ? 'expires today' : `${days(daysLeft)} left`;
  return daysLeft === 0 ? 'expired today' : `expired ${days(-daysLeft)} ago`;
}

const threshold = (t: Thresholds) => `< ${t.certificateMinDays} d warns, < ${t.certificateCriticalDays} d fails`;

function certificateVerdict(c: CertificateRenewal, t: Thresholds, now: number): CertVerdict {
  const base = { id: `certificate:${c.name}`, title: `Certificate ${c.name}` };
  const facts = [
    c.dnsNames.length > 0 ? `DNS ${c.dnsNames.join(', ')}` : '',
    c.secretName ? `secret ${c.secretName}` : '',
    c.issuer ? `issuer ${c.issuer}` : '',
    c.notBefore ? `valid from ${formatUtc(c.notBefore)}` : '',
    c.readyMessage ? `Ready=${c.ready ? 'True' : 'False'} (${c.readyReason ?? ''}): ${c.readyMessage}` : '',
  ].filter((f) => f !== '');
  if (!c.notAfter) {
    return {
      status: 'warn',
      item: { ...base, status: 'warn', summary: 'no status.notAfter: not issued yet?' },
      lines: [`${c.name}: not issued yet`, ...facts.map((f) => `  ${f}`)],
    };
  }
  const { status: byExpiry, daysLeft } = expiryStatus(c.notAfter, t, now);
  const overdue = c.renewalTime && c.renewalTime.getTime() + renewalGraceMs < now;
  const problems = [c.ready === false ? 'not Ready' : '', overdue ? 'renewal overdue' : ''].filter((p) => p !== '');
  const status = worstStatus([byExpiry, problems.length > 0 ? 'warn' : 'ok']);
  const renewal = c.renewalTime
    ? `renews ${formatUtc(c.renewalTime)} (${formatRelative(c.renewalTime, now)})`
    : 'no renewal time';
  const when = daysText(c.notAfter, daysLeft, now);
  return {
    status,
    daysLeft,
    when,
    item: {
      ...base,
      status,
      value: when,
      threshold: threshold(t),
      summary: [`expires ${formatUtc(c.notAfter)}`, renewal, ...problems].join(' · '),
    },
    lines: [`${c.name}: expires ${formatUtc(c.notAfter)} · ${renewal}`, ...facts.map((f) => `  ${f}`)],
  };
}

async function certManagerVerdicts(ctx: StepContext<unknown>, now: number): Promise<CertVerdict[]> {
  const kube = ctx.target.env.kubernetes;
  if (!kube || !clusterConfigured(kube.cluster)) return [];
  const base = { id: 'cert-manager', title: 'cert-manager' };
  let certs: CertificateRenewal[] | undefined;
  try {
    certs = await requireWorkloads(ctx).listCertificates({ signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return [{ status: 'error', item: { ...base, status: 'error', summary: firstLine(messageOf(err)) }, lines: [] }];
  }
  if (certs === undefined) {
    const status: CheckStatus = kube.certificates.length > 0 ? 'warn' : 'skipped';
    return [{ status, item: { ...base, status, summary: 'cert-manager.io is not served by the cluster' }, lines: [] }];
  }
  const verdicts = certs.map((c) => certificateVerdict(c, ctx.target.thresholds, now));
  for (const name of kube.certificates.filter((n) => !certs.some((c) => c.name === n))) {
    const item: ProgressItem = {
      id: `certificate:${name}`,
      title: `Certificate ${name}`,
      status: 'warn',
      summary: `configured but not found in ${kube.namespace}`,
    };
    verdicts.push({ status: 'warn', item, lines: [] });
  }
  return verdicts;
}

async function endpointVerdict(ctx: StepContext<unknown>, e: TlsEndpoint, now: number): Promise<CertVerdict> {
  const base = { id: `tls:${e.host}:${e.port}`, title: `TLS ${e.host}:${e.port}` };
  const tls = ctx.infra.tls;
  try {
    if (!tls) throw new Error('no TLS inspector');
    const cert = await tls.inspect(e, { signal: ctx.signal, timeoutMs: ctx.checkTimeoutMs });
    const { status, daysLeft } = expiryStatus(cert.notAfter, ctx.target.thresholds, now);
    const when = daysText(cert.notAfter, daysLeft, now);
    return {
      status,
      daysLeft,
      when,
      item: {
        ...base,
        status,
        value: when,
        threshold: threshold(ctx.target.thresholds),
        summary: `expires ${formatUtc(cert.notAfter)} · ${cert.subject}`,
      },
      lines: [`${e.host}:${e.port}: expires ${formatUtc(cert.notAfter)} · ${cert.subject} · issuer ${cert.issuer}`],
    };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { status: 'error', item: { ...base, status: 'error', summary: firstLine(messageOf(err)) }, lines: [] };
  }
}

/** The guides' certificate checks: cert-manager Certificates (`kubectl get certificates`) and the TLS endpoints. */
export const certsRunbook = readRunbook({
  name: 'certs',
  summary: 'cert-manager Certificates and TLS endpoints: days left and renewal time',
  usage: 'certs [--env NAME]',
  examples: ['certs', 'certs --env staging'],
  params,
  parseArgs: leftovers,
  title: 'Check certificates',
  timeoutMs: 60_000,
  async collect(ctx) {
    const now = Date.now();
    const endpoints = ctx.infra.tls?.endpoints ?? [];
    const verdicts = [
      ...(await certManagerVerdicts(ctx, now)),
      ...(await Promise.all(endpoints.map((e) => endpointVerdict(ctx, e, now)))),
    ];
    const where = `${ctx.target.service.displayName} (${ctx.target.environment})`;
    const dated = verdicts.filter((v) => v.daysLeft !== undefined);
    if (dated.length === 0 && verdicts.every((v) => v.status === 'skipped')) {
      return {
        status: 'skipped',
        headline: `No certificates to check for ${where}`,
        items: verdicts.map((v) => v.item),
        details: [
          {
            title: 'To check certificates',
            lines: [
              `install cert-manager, or set ${environmentPath(ctx.target)}.tlsEndpoints (host:port) to check endpoints`,
            ],
          },
        ],
      };
    }
    const soonest = dated.reduce<CertVerdict | undefined>(
      (min, v) => (min === undefined || (v.daysLeft ?? 0) < (min.daysLeft ?? 0) ? v : min),
      undefined,
    );
    const shown = verdicts.slice(0, itemLimit).map((v) => v.item);
    const rest = verdicts.length - shown.length;
    return {
      status: worstStatus(verdicts.map((v) => v.status)),
      headline:
        `Certificates of ${where}: ${verdicts.length} checked` +
        (soonest ? `; soonest: ${soonest.item.title}, ${soonest.when}` : ''),
      items:
        rest > 0
          ? [...shown, { id: 'more', title: `${rest} more`, status: 'skipped', summary: 'see the thread' }]
          : shown,
      details: [{ title: 'Certificates', lines: verdicts.flatMap((v) => v.lines) }].filter((d) => d.lines.length > 0),
    };
  },
});

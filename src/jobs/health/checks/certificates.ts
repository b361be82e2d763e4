import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { CheckContext, CheckStatus, HealthCheck } from '../check.js';
import { type CheckOutcome, firstLine, notConfigured } from './outcome.js';
import { worstStatus } from './severity.js';

/** One certificate's verdict. */
interface CertVerdict {
  status: CheckStatus;
  label: string;
  daysLeft?: number;
  line: string;
}

const dayMs = 86_400_000;

function byExpiry(ctx: CheckContext, label: string, notAfter: Date, extra: string): CertVerdict {
  const daysLeft = Math.trunc((notAfter.getTime() - Date.now()) / dayMs);
  const { certificateMinDays, certificateCriticalDays } = ctx.thresholds;
  const expired = notAfter.getTime() <= Date.now();
  const when = !expired
    ? `expires in ${countOf(daysLeft, 'day')}`
    : daysLeft === 0
      ? 'expired less than a day ago'
      : `expired ${countOf(-daysLeft, 'day')} ago`;
  const status: CheckStatus =
    expired || daysLeft < certificateCriticalDays ? 'fail' : daysLeft < certificateMinDays ? 'warn' : 'ok';
  return { status, label, daysLeft, line: `${label} ${when} (${notAfter.toISOString().slice(0, 10)})${extra}` };
}

async function certManagerVerdicts(ctx: CheckContext): Promise<CertVerdict[]> {
  const kube = ctx.infra.kube;
  if (!kube) return [];
  let certs: Awaited<ReturnType<typeof kube.listCertificates>>;
  try {
    certs = await kube.listCertificates({ signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return [{ status: 'error', label: 'cert-manager', line: firstLine(messageOf(err)) }];
  }
  if (certs === undefined) {
    // No cert-manager in the cluster: only a problem when Certificates were named in the config.
    return kube.certificateNames.length === 0
      ? []
      : [{ status: 'warn', label: 'cert-manager', line: 'cert-manager.io is not served by the cluster' }];
  }
  const verdicts = certs.map((cert): CertVerdict => {
    const label = `Certificate ${cert.name}`;
    const notReady = cert.ready === false ? `; not Ready: ${cert.readyMessage ?? 'no message'}` : '';
    if (!cert.notAfter) {
      return { status: 'warn', label, line: `${label} has no status.notAfter (not issued yet?)${notReady}` };
    }
    const verdict = byExpiry(ctx, label, cert.notAfter, notReady);
    return cert.ready === false && verdict.status === 'ok' ? { ...verdict, status: 'warn' } : verdict;
  });
  const missing = kube.certificateNames.filter((name) => !certs.some((c) => c.name === name));
  for (const name of missing) {
    verdicts.push({
      status: 'warn',
      label: `Certificate ${name}`,
      line: `Certificate ${name} not found in ${kube.namespace}`,
    });
  }
  return verdicts;
}

async function endpointVerdicts(ctx: CheckContext): Promise<CertVerdict[]> {
  const tls = ctx.infra.tls;
  if (!tls) return [];
  return Promise.all(
    tls.endpoints.map(async (endpoint): Promise<CertVerdict> => {
      const label = `${endpoint.host}:${endpoint.port}`;
      try {
        const cert = await tls.inspect(endpoint, { signal: ctx.signal });
        return byExpiry(ctx, label, cert.notAfter, ` · ${cert.subject} · issuer ${cert.issuer}`);
      } catch (err) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        return { status: 'error', label, line: firstLine(messageOf(err)) };
      }
    }),
  );
}

/** cert-manager Certificates and TLS endpoints: under certificateMinDays warns, under certificateCriticalDays fails. */
export const certificatesCheck: HealthCheck = {
  id: 'certificates',
  title: 'Certificates',
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.infra.kube && !ctx.infra.tls) return notConfigured(ctx, 'tlsEndpoints (or kubernetes)', 'Certificates');
    const verdicts = (await Promise.all([certManagerVerdicts(ctx), endpointVerdicts(ctx)])).flat();
    const { certificateMinDays, certificateCriticalDays } = ctx.thresholds;
    const threshold = `< ${certificateMinDays} days warns, < ${certificateCriticalDays} days or expired fails`;
    if (verdicts.length === 0) {
      return {
        status: 'skipped',
        summary: `No cert-manager Certificates found; set services.${ctx.serviceKey}.environments.${ctx.environment}.tlsEndpoints to check endpoints`,
      };
    }
    const status = worstStatus(verdicts.map((v) => v.status));
    const dated = verdicts.filter((v) => v.daysLeft !== undefined);
    const soonest = dated.reduce<CertVerdict | undefined>(
      (min, v) => (min === undefined || (v.daysLeft ?? 0) < (min.daysLeft ?? 0) ? v : min),
      undefined,
    );
    const value = soonest ? `${countOf(soonest.daysLeft ?? 0, 'day')} (${soonest.label})` : undefined;
    const problems = verdicts.filter((v) => v.status !== 'ok');
    const summary =
      problems.length === 0
        ? `${countOf(verdicts.length, 'certificate')} valid for at least ${soonest?.daysLeft === undefined ? '? days' : countOf(soonest.daysLeft, 'day')}`
        : problems
            .map((v) => v.line)
            .slice(0, 2)
            .join('; ') + (problems.length > 2 ? '; …' : '');
    return { status, value, threshold, summary, details: verdicts.map((v) => `${v.status} · ${v.line}`) };
  },
};

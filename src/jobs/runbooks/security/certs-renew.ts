import { z } from 'zod';
import { UserError } from '../../../errors.js';
import {
  type CertificateIssuance,
  createKubeCertIssuance,
  type KubeCertIssuance,
} from '../../../infra/kube-cert-issuance.js';
import type { Runbook, RunbookContext, StepContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { kubeAdapter, leftovers } from '../k8s/k8s-context.js';
import { formatUtc } from '../k8s/k8s-format.js';
import { pause, pollIntervalMs } from './secret-rotation.js';

const params = z
  .object({
    name: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
      .describe('a cert-manager Certificate name such as thermaliq-api-tls (lowercase letters, digits, "-" and ".")'),
  })
  .strict();
type RenewParams = z.infer<typeof params>;

const steps = [
  { name: 'renew', title: 'Ask cert-manager to reissue' },
  { name: 'wait', title: 'Wait for the new certificate' },
] as const;

const renewOutput = z.object({
  oldNotAfter: z.string().nullable(),
  oldRevision: z.number().nullable(),
  /** False when the Certificate was already being issued (cmctl renew skips it too). */
  triggered: z.boolean(),
});
const waitOutput = z.object({
  notAfter: z.string(),
  revision: z.number().nullable(),
  request: z.string().nullable(),
});

const requireIssuance: (ctx: Pick<RunbookContext, 'infra' | 'target'>) => KubeCertIssuance =
  kubeAdapter(createKubeCertIssuance);

async function readOrRefuse(ctx: RunbookContext, name: string): Promise<CertificateIssuance> {
  const issuance = requireIssuance(ctx);
  const cert = await issuance.readCertificate(name, { signal: ctx.signal });
  if (!cert) throw new UserError('not_found', `Certificate ${name} does not exist in ${issuance.namespace}.`);
  return cert;
}

/** The new certificate is there: cert-manager finished (no Issuing=True), it is Ready, and notAfter or revision moved. */
function reissued(c: CertificateIssuance, before: z.infer<typeof renewOutput>): boolean {
  if (c.issuing?.status === 'True' || c.ready?.status !== 'True' || !c.notAfter) return false;
  const revisionMoved = before.oldRevision !== null && (c.revision ?? 0) > before.oldRevision;
  return revisionMoved || c.notAfter.toISOString() !== before.oldNotAfter;
}

async function waitForIssuance(ctx: StepContext<RenewParams>): Promise<z.infer<typeof waitOutput>> {
  const before = renewOutput.parse(ctx.outputs.renew);
  const issuance = requireIssuance(ctx);
  const name = ctx.params.name;
  for (;;) {
    const c = await readOrRefuse(ctx, name);
    if (c.notAfter && reissued(c, before)) {
      const requests = await issuance.listRequests(name, { signal: ctx.signal });
      const request = requests.find((r) => r.revision === c.revision) ?? requests[0];
      return { notAfter: c.notAfter.toISOString(), revision: c.revision ?? null, request: request?.name ?? null };
    }
    if (c.issuing?.status === 'False' && c.issuing.reason === 'Failed') {
      throw new Error(`cert-manager could not issue ${name}: ${c.issuing.message ?? 'no message'}`);
    }
    const state =
      c.issuing?.status === 'True' ? `issuing (${c.issuing.reason ?? ''})` : `Ready=${c.ready?.status ?? '?'}`;
    ctx.progress(stepProgress(steps, 'wait', `cert-manager: ${state}`));
    await pause(pollIntervalMs * 2, ctx.signal);
  }
}

/**
 * THERMALIQ "Certificate Renewal → Manual Renewal": has cert-manager issue a Certificate again, the way `cmctl
 * renew` does (Issuing=True on the status), waits until it is Ready with a new notAfter, and reports both expiries.
 */
export const certsRenewRunbook: Runbook<RenewParams> = {
  name: 'certs renew',
  summary:
    'Have cert-manager reissue a Certificate now (as `cmctl renew`), wait until it is Ready, and report old and new expiry',
  usage: 'certs renew <name> [--env NAME]',
  examples: ['certs renew thermaliq-api-tls', 'certs renew thermaliq-api-tls --env staging'],
  risk: 'change',
  minRole: 'operator',
  params,
  parseArgs(args, flags) {
    const [name, ...rest] = args;
    return { name, ...leftovers(rest, flags) };
  },
  initialProgress() {
    return stepProgress(steps);
  },
  async validate(ctx, p) {
    await readOrRefuse(ctx, p.name);
  },
  steps: [
    {
      name: 'renew',
      title: 'Ask cert-manager to reissue',
      timeoutMs: 30_000,
      // It looks before it writes: a repeat finds the Certificate already Issuing and leaves it.
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'renew'));
        const c = await readOrRefuse(ctx, ctx.params.name);
        const base = { oldNotAfter: c.notAfter?.toISOString() ?? null, oldRevision: c.revision ?? null };
        if (c.issuing?.status === 'True') return { ...base, triggered: false } satisfies z.infer<typeof renewOutput>;
        await requireIssuance(ctx).markIssuing(ctx.params.name, { signal: ctx.signal });
        return { ...base, triggered: true } satisfies z.infer<typeof renewOutput>;
      },
    },
    {
      name: 'wait',
      title: 'Wait for the new certificate',
      // ACME orders take seconds to minutes; the step's timeout bounds the wait.
      timeoutMs: 10 * 60_000,
      idempotent: true,
      run: waitForIssuance,
    },
  ],
  report(target, p, outputs) {
    const renew = renewOutput.parse(outputs.renew);
    const done = waitOutput.parse(outputs.wait);
    const oldText = renew.oldNotAfter ? formatUtc(new Date(renew.oldNotAfter)) : 'not issued';
    const newText = formatUtc(new Date(done.notAfter));
    return {
      status: 'ok',
      headline: `Renewed certificate ${p.name} in ${target.service.displayName} (${target.environment}): expires ${newText} (was ${oldText})`,
      items: [
        {
          id: 'renew',
          title: 'Reissue requested',
          status: 'succeeded',
          summary: renew.triggered ? 'Issuing=True (ManuallyTriggered), as cmctl renew' : 'it was already being issued',
        },
        {
          id: 'issued',
          title: 'New certificate',
          status: 'succeeded',
          value: newText,
          summary: `revision ${renew.oldRevision ?? '–'} → ${done.revision ?? '–'}${done.request ? ` · CertificateRequest ${done.request}` : ''} · was ${oldText}`,
        },
      ],
      details: [],
    };
  },
};

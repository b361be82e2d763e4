import { z } from 'zod';
import type { KubernetesTarget } from '../config/ops-config.js';
import { kubeCaller } from './kube-call.js';
import { KubeApiError } from './kube-errors.js';

/** Options every call takes: aborting the signal aborts the HTTP request. */
export interface IssuanceCallOptions {
  signal?: AbortSignal;
}

/** One status condition of a cert-manager resource. */
export interface IssuanceCondition {
  status: string;
  reason?: string;
  message?: string;
}

/** A cert-manager Certificate as a renewal follows it. */
export interface CertificateIssuance {
  name: string;
  notAfter?: Date;
  revision?: number;
  ready?: IssuanceCondition;
  issuing?: IssuanceCondition;
}

/** A cert-manager CertificateRequest of one Certificate. */
export interface IssuanceRequest {
  name: string;
  revision?: number;
  ready?: IssuanceCondition;
}

/** The cert-manager calls of `certs renew`: read a Certificate, mark it Issuing (cmctl renew), list its requests. */
export interface KubeCertIssuance {
  readonly namespace: string;
  /** The Certificate, or undefined when it does not exist (or cert-manager is not installed). */
  readCertificate(name: string, opts?: IssuanceCallOptions): Promise<CertificateIssuance | undefined>;
  /**
   * What `cmctl renew` does: adds the condition Issuing=True (reason ManuallyTriggered) through the status
   * subresource, which makes cert-manager issue the certificate again. Refused (409) if the Certificate changed.
   */
  markIssuing(name: string, opts?: IssuanceCallOptions): Promise<CertificateIssuance>;
  /** The CertificateRequests cert-manager made for the Certificate, newest revision first. */
  listRequests(certificate: string, opts?: IssuanceCallOptions): Promise<IssuanceRequest[]>;
}

const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
const certificateSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), generation: z.number().optional() }),
  status: z
    .looseObject({
      notAfter: z.string().optional(),
      revision: z.number().optional(),
      conditions: z.array(z.looseObject(conditionSchema.shape)).optional(),
    })
    .optional(),
});
const requestListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string(), annotations: z.record(z.string(), z.string()).optional() }),
      status: z.object({ conditions: z.array(conditionSchema).optional() }).optional(),
    }),
  ),
});

function conditionOf(
  conditions: z.infer<typeof conditionSchema>[] | undefined,
  type: string,
): IssuanceCondition | undefined {
  const c = conditions?.find((x) => x.type === type);
  return c ? { status: c.status, reason: c.reason, message: c.message } : undefined;
}

function issuanceOf(body: z.infer<typeof certificateSchema>): CertificateIssuance {
  const notAfter = body.status?.notAfter ? new Date(body.status.notAfter) : undefined;
  return {
    name: body.metadata.name,
    notAfter: notAfter && !Number.isNaN(notAfter.getTime()) ? notAfter : undefined,
    revision: body.status?.revision,
    ready: conditionOf(body.status?.conditions, 'Ready'),
    issuing: conditionOf(body.status?.conditions, 'Issuing'),
  };
}

const certificates = { group: 'cert-manager.io', version: 'v1', plural: 'certificates' } as const;

/** Connects to the configured cluster on first use; `where` is the config path used in error messages. */
export function createKubeCertIssuance(target: KubernetesTarget, where: string): KubeCertIssuance {
  const { namespace } = target;
  const call = kubeCaller(target, where);
  const read = async (name: string, signal: AbortSignal | undefined) =>
    certificateSchema.parse(
      await call(`read certificate ${name}`, signal, ({ custom }, o) =>
        custom.getNamespacedCustomObject({ ...certificates, namespace, name }, o),
      ),
    );

  return {
    namespace,

    async readCertificate(name, opts = {}) {
      try {
        return issuanceOf(await read(name, opts.signal));
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 404) return undefined;
        throw err;
      }
    },

    async markIssuing(name, opts = {}) {
      const body = await read(name, opts.signal);
      const status = body.status ?? {};
      const condition = {
        type: 'Issuing',
        status: 'True',
        reason: 'ManuallyTriggered',
        message: 'Certificate re-issuance manually triggered',
        lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ...(body.metadata.generation === undefined ? {} : { observedGeneration: body.metadata.generation }),
      };
      const conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'Issuing'), condition];
      // The body keeps metadata.resourceVersion, so the API refuses the write if cert-manager changed it meanwhile.
      const updated = await call(`mark certificate ${name} Issuing`, opts.signal, ({ custom }, o) =>
        custom.replaceNamespacedCustomObjectStatus(
          { ...certificates, namespace, name, body: { ...body, status: { ...status, conditions } } },
          o,
        ),
      );
      return issuanceOf(certificateSchema.parse(updated));
    },

    async listRequests(certificate, opts = {}) {
      const list = requestListSchema.parse(
        await call('list certificaterequests.cert-manager.io', opts.signal, ({ custom }, o) =>
          custom.listNamespacedCustomObject(
            { group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificaterequests' },
            o,
          ),
        ),
      );
      return list.items
        .filter((r) => r.metadata.annotations?.['cert-manager.io/certificate-name'] === certificate)
        .map((r) => {
          const rev = Number(r.metadata.annotations?.['cert-manager.io/certificate-revision']);
          return {
            name: r.metadata.name,
            revision: Number.isInteger(rev) ? rev : undefined,
            ready: conditionOf(r.status?.conditions, 'Ready'),
          };
        })
        .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
    },
  };
}

import { randomUUID } from 'node:crypto';
import {
  cloneJson,
  ensureObjectAt,
  isJsonObject,
  type Json,
  type JsonObject,
  numberAt,
  objectAt,
  stringAt,
} from './json-value.js';
import { kubeTime } from './kube-fixtures.js';
import { kubeStatus } from './kube-status.js';

/**
 * What {@link FakeKube}'s simulated cert-manager does when a Certificate gets the `Issuing` condition (as
 * `cmctl renew` sets it): `issue` creates a CertificateRequest, approves and signs it, and updates the Certificate
 * (new revision, notBefore, notAfter, renewalTime, Ready); `fail` makes the request fail as an ACME error does;
 * `never` leaves it pending, as a cert-manager that is not running would.
 */
export interface CertManagerSimulation {
  outcome: 'issue' | 'fail' | 'never';
  /** Validity of what it issues. */
  validDays: number;
}

/** An error the fake answers with a Kubernetes Status. */
export class FakeStatusError extends Error {
  constructor(
    readonly code: number,
    readonly status: JsonObject,
  ) {
    super(typeof status.message === 'string' ? status.message : `HTTP ${code}`);
  }
}

function invalid(kind: string, name: string, field: string, detail: string): FakeStatusError {
  return new FakeStatusError(
    422,
    kubeStatus(422, `${kind} "${name}" is invalid: ${field}: ${detail}`, {
      name,
      group: '',
      kind,
      causes: [{ reason: 'FieldValueInvalid', message: detail, field }],
    }),
  );
}

/**
 * A Secret write as the API server validates it: `stringData` merged into `data` (and dropped), every data value
 * valid base64, `type` immutable, and a kubernetes.io/tls Secret keeping tls.crt and tls.key.
 */
export function normalizeSecretWrite(existing: JsonObject | undefined, next: JsonObject): void {
  const name = stringAt(objectAt(next, 'metadata'), 'name') ?? '';
  const data = ensureObjectAt(next, 'data');
  const stringData = objectAt(next, 'stringData');
  if (stringData) {
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete next.stringData;
  }
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
      throw new FakeFieldDecodeError(k);
    }
  }
  next.type ??= existing ? (existing.type ?? 'Opaque') : 'Opaque';
  if (existing && existing.type !== next.type) {
    throw invalid('Secret', name, 'type', `Invalid value: "${String(next.type)}": field is immutable`);
  }
  if (next.type === 'kubernetes.io/tls') {
    for (const key of ['tls.crt', 'tls.key']) {
      if (data[key] === undefined) throw invalid('Secret', name, `data[${key}]`, 'Required value');
    }
  }
}

/** The decode error the API server answers for a data value that is not base64. */
export class FakeFieldDecodeError extends FakeStatusError {
  constructor(key: string) {
    super(
      400,
      kubeStatus(
        400,
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (data[${key}])`,
      ),
    );
  }
}

/** A faithful core v1 Secret. */
export function secretFixture(namespace: string, name: string, type: string, data: Record<string, string>): JsonObject {
  const encoded: JsonObject = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: randomUUID(), creationTimestamp: kubeTime(new Date(Date.now() - 86_400_000)) },
    type,
    data: encoded,
  };
}

function conditionsOf(cert: JsonObject): JsonObject[] {
  const list = objectAt(cert, 'status')?.conditions;
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

/** Whether the Certificate has condition `type` with status True. */
export function hasTrueCondition(cert: JsonObject, type: string): boolean {
  return conditionsOf(cert).some((c) => c.type === type && c.status === 'True');
}

/**
 * A PUT to `certificates/{name}/status`: only the status is taken from the body (the rest is ignored, as the API
 * server does for a status subresource); the body's resourceVersion must match.
 */
export function certificateStatusWrite(existing: JsonObject, incoming: JsonObject): JsonObject {
  const next = cloneJson(existing);
  const status = incoming.status;
  if (status === undefined || status === null) delete next.status;
  else next.status = cloneJson(status as Json);
  return next;
}

function setCondition(cert: JsonObject, condition: JsonObject): void {
  const status = ensureObjectAt(cert, 'status');
  const others = conditionsOf(cert).filter((c) => c.type !== condition.type);
  status.conditions = [...others, condition];
}

function removeCondition(cert: JsonObject, type: string): void {
  const status = ensureObjectAt(cert, 'status');
  status.conditions = conditionsOf(cert).filter((c) => c.type !== type);
}

/**
 * What cert-manager's issuing controllers do once a Certificate is Issuing: the CertificateRequest for the next
 * revision (annotated as cert-manager annotates it), and the Certificate as it looks afterwards.
 */
export function simulateIssuance(
  cert: JsonObject,
  sim: CertManagerSimulation,
  now: Date,
): { certificate: JsonObject; request: JsonObject } {
  const meta = objectAt(cert, 'metadata');
  const name = stringAt(meta, 'name') ?? '';
  const namespace = stringAt(meta, 'namespace') ?? 'default';
  const generation = numberAt(meta, 'generation') ?? 1;
  const revision = (numberAt(objectAt(cert, 'status'), 'revision') ?? 0) + 1;
  const at = kubeTime(now);
  const spec = objectAt(cert, 'spec') ?? {};
  const issued = sim.outcome === 'issue';
  const failure =
    'Failed to wait for order resource "' +
    `${name}-${revision}-1234567890` +
    '" to become ready: order is in "invalid" state: ACME challenge failed';
  const request: JsonObject = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'CertificateRequest',
    metadata: {
      name: `${name}-${revision}`,
      namespace,
      generation: 1,
      annotations: {
        'cert-manager.io/certificate-name': name,
        'cert-manager.io/certificate-revision': String(revision),
        'cert-manager.io/private-key-secret-name': `${name}-${kubeTime(now).replace(/\D/g, '').slice(-5)}`,
      },
      ownerReferences: [
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          name,
          uid: stringAt(meta, 'uid') ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      issuerRef: objectAt(spec, 'issuerRef') ?? {},
      request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\n…\n-----END CERTIFICATE REQUEST-----\n').toString(
        'base64',
      ),
      usages: ['digital signature', 'key encipherment'],
    },
    status: {
      conditions: [
        {
          type: 'Approved',
          status: 'True',
          reason: 'cert-manager.io',
          message: 'Certificate request has been approved by cert-manager.io',
          lastTransitionTime: at,
        },
        issued
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'Issued',
              message: 'Certificate fetched from issuer successfully',
              lastTransitionTime: at,
            }
          : { type: 'Ready', status: 'False', reason: 'Failed', message: failure, lastTransitionTime: at },
      ],
      ...(issued
        ? { certificate: Buffer.from('-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n').toString('base64') }
        : { failureTime: at }),
    },
  };
  const certificate = cloneJson(cert);
  const status = ensureObjectAt(certificate, 'status');
  if (issued) {
    const notAfter = new Date(now.getTime() + sim.validDays * 86_400_000);
    const renewal = new Date(now.getTime() + ((notAfter.getTime() - now.getTime()) * 2) / 3);
    status.revision = revision;
    status.notBefore = at;
    status.notAfter = kubeTime(notAfter);
    status.renewalTime = kubeTime(renewal);
    delete status.lastFailureTime;
    removeCondition(certificate, 'Issuing');
    setCondition(certificate, {
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: 'Certificate is up to date and has not expired',
      lastTransitionTime: at,
      observedGeneration: generation,
    });
  } else {
    status.lastFailureTime = at;
    setCondition(certificate, {
      type: 'Issuing',
      status: 'False',
      reason: 'Failed',
      message: `The certificate request has failed to complete and will be retried: ${failure}`,
      lastTransitionTime: at,
      observedGeneration: generation,
    });
  }
  return { certificate, request };
}

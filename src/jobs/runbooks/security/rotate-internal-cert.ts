import { z } from 'zod';
import type { InternalCertConfig } from '../../../config/secrets-config.js';
import { messageOf, UserError } from '../../../errors.js';
import { secretText, secretValue } from '../../../infra/kube-secrets.js';
import { certificateFacts, generateSelfSigned } from '../../../infra/self-signed-cert.js';
import type { Plan } from '../../plan.js';
import type { Runbook, RunbookContext, StepContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { environmentPath, leftovers, requireWorkloads } from '../k8s/k8s-context.js';
import { formatUtc } from '../k8s/k8s-format.js';
import { requireSecrets, restartAndWait, rollbackTimeoutMs } from './secret-rotation.js';

const params = z.object({}).strict();
type RotateParams = z.infer<typeof params>;

const steps = [{ name: 'rotate', title: 'Rotate the internal certificate' }] as const;

const material = z.object({
  namespace: z.string(),
  secret: z.string(),
  secretVersion: z.string(),
  commonName: z.string(),
  days: z.number(),
  keySize: z.number(),
  deployment: z.string(),
  replicas: z.number(),
});

const rotateOutput = z.object({
  secret: z.string(),
  subject: z.string(),
  serial: z.string(),
  notAfter: z.string(),
  fingerprint256: z.string(),
  oldNotAfter: z.string().nullable(),
  oldFingerprint256: z.string().nullable(),
  replicas: z.number(),
  readyReplicas: z.number(),
});

function requireCertConfig(ctx: Pick<RunbookContext, 'target'>): InternalCertConfig {
  const config = ctx.target.env.secrets?.internalCert;
  if (!config) {
    throw new UserError(
      'unavailable',
      `Internal certificate rotation is not configured for ${ctx.target.environment}: set ${environmentPath(ctx.target)}.secrets.internalCert (secret, commonName).`,
    );
  }
  return config;
}

/** The public facts of the certificate a Secret holds now, or undefined when it holds none that parses. */
function currentFacts(pem: string | undefined): ReturnType<typeof certificateFacts> | undefined {
  if (pem === undefined) return undefined;
  try {
    return certificateFacts(pem);
  } catch {
    return undefined;
  }
}

async function planRotation(ctx: RunbookContext): Promise<Plan> {
  const config = requireCertConfig(ctx);
  const secrets = requireSecrets(ctx);
  const workloads = requireWorkloads(ctx);
  const secret = await secrets.readSecret(config.secret, { signal: ctx.signal });
  if (!secret) throw new UserError('not_found', `Secret ${config.secret} does not exist in ${secrets.namespace}.`);
  if (secret.type !== 'kubernetes.io/tls') {
    throw new UserError(
      'conflict',
      `Secret ${config.secret} is of type ${secret.type}, not kubernetes.io/tls; nothing was changed.`,
    );
  }
  const now = currentFacts(secretText(secret, 'tls.crt'));
  const d = await workloads.readRollout({ signal: ctx.signal });
  const workload = `${workloads.namespace}/${d.name}`;
  return {
    summary: `Replace the certificate and key in Secret ${secrets.namespace}/${config.secret} with a new self-signed one for CN=${config.commonName}, then restart ${workload}`,
    fields: [
      {
        label: 'Now',
        value: now
          ? `${now.subject}, expires ${formatUtc(now.notAfter)}, SHA-256 ${now.fingerprint256}`
          : 'no readable certificate in tls.crt',
      },
      {
        label: 'New',
        value: `CN=${config.commonName}, RSA ${config.keySize}, valid ${config.days} days, SHA-256 signature`,
      },
      { label: 'Secret', value: `${secrets.namespace}/${config.secret} (tls.crt, tls.key)` },
      { label: 'Deployment', value: `${workload} (${d.replicas} replicas, ${d.readyReplicas} ready)` },
    ],
    steps: [
      `Generate an RSA ${config.keySize} key and a self-signed certificate for CN=${config.commonName}, valid ${config.days} days`,
      `Replace tls.crt and tls.key (and ca.crt, if there is one) of Secret ${config.secret} (the old ones kept in memory only)`,
      `Rolling restart of ${workload}, and wait until every replica is new and ready`,
      'On failure: put the old Secret back and restart again',
    ],
    material: {
      namespace: secrets.namespace,
      secret: config.secret,
      secretVersion: secret.resourceVersion,
      commonName: config.commonName,
      days: config.days,
      keySize: config.keySize,
      deployment: d.name,
      replicas: d.replicas,
    } satisfies z.infer<typeof material>,
  };
}

async function rotate(ctx: StepContext<RotateParams>): Promise<z.infer<typeof rotateOutput>> {
  if (!ctx.plan) throw new Error('rotate internal-cert ran without its approved plan');
  const m = material.parse(ctx.plan.material);
  const config = requireCertConfig(ctx);
  const secrets = requireSecrets(ctx);
  const say = (summary: string) => ctx.progress(stepProgress(steps, 'rotate', summary));

  const old = await secrets.readSecret(m.secret, { signal: ctx.signal });
  if (!old) throw new Error(`Secret ${m.secret} no longer exists in ${secrets.namespace}; nothing was changed`);
  if (old.resourceVersion !== m.secretVersion) {
    throw new Error(`Secret ${m.secret} changed since the plan was approved; nothing was changed`);
  }
  say(`generating an RSA ${config.keySize} key and certificate`);
  const cert = await generateSelfSigned({ commonName: m.commonName, days: m.days, keySize: config.keySize });
  const before = currentFacts(secretText(old, 'tls.crt'));
  say(`replacing tls.crt and tls.key in Secret ${m.secret}`);
  const data: Record<string, string> = {
    ...old.data,
    'tls.crt': secretValue(cert.certPem),
    'tls.key': secretValue(cert.keyPem),
  };
  // A self-signed certificate is its own CA: clients that trust ca.crt must trust the new one.
  if (old.data['ca.crt'] !== undefined) data['ca.crt'] = secretValue(cert.certPem);
  await secrets.replaceSecretData(m.secret, data, { signal: ctx.signal, resourceVersion: old.resourceVersion });
  try {
    const rollout = await restartAndWait(ctx, ctx.signal, (status) => say(`rollout: ${status}`));
    return {
      secret: m.secret,
      subject: cert.subject,
      serial: cert.serial,
      notAfter: cert.notAfter.toISOString(),
      fingerprint256: cert.fingerprint256,
      oldNotAfter: before?.notAfter.toISOString() ?? null,
      oldFingerprint256: before?.fingerprint256 ?? null,
      ...rollout,
    };
  } catch (err) {
    say('failed: putting the old Secret back');
    const signal = AbortSignal.timeout(rollbackTimeoutMs);
    const left: string[] = [];
    try {
      await secrets.replaceSecretData(m.secret, { ...old.data }, { signal });
    } catch (e) {
      left.push(`Secret ${m.secret} could not be put back: ${messageOf(e)}`);
    }
    if (left.length === 0) {
      try {
        await restartAndWait(ctx, signal);
      } catch (e) {
        left.push(`the restart with the old Secret did not complete: ${messageOf(e)}`);
      }
    }
    const reason = messageOf(err);
    if (left.length === 0) {
      throw new Error(
        `Certificate rotation failed during the restart: ${reason}. The old Secret was put back and the deployment restarted with it.`,
      );
    }
    throw new Error(
      `Certificate rotation failed during the restart: ${reason}. Putting things back did not fully work: ${left.join('; ')}.`,
    );
  }
}

/**
 * THERMALIQ "Certificate Rotation": the guide's `openssl req -x509 -newkey rsa:4096 -nodes -days 365
 * -subj /CN=thermaliq-internal`, `kubectl create secret tls … | kubectl apply` and `rollout restart`, with the old
 * Secret put back if the restart fails. The private key never leaves the step's memory and the Secret.
 */
export const rotateInternalCertRunbook: Runbook<RotateParams> = {
  name: 'rotate internal-cert',
  summary:
    'Replace the internal TLS Secret with a new key and self-signed certificate, restart, and report its expiry and fingerprint',
  usage: 'rotate internal-cert [--env NAME] [--dry-run]',
  examples: ['rotate internal-cert', 'rotate internal-cert --env staging --dry-run'],
  risk: 'destructive',
  minRole: 'operator',
  params,
  parseArgs: leftovers,
  initialProgress() {
    return stepProgress(steps);
  },
  plan: planRotation,
  steps: [
    {
      name: 'rotate',
      title: 'Rotate the internal certificate',
      timeoutMs: 20 * 60_000,
      destructive: true,
      run: rotate,
    },
  ],
  async interrupted() {
    return 'The rotation stopped mid-way (its worker died): the Secret may hold the new certificate while some pods still use the old one. Run `rotate internal-cert` again, or `restart`, to bring them in line.';
  },
  report(target, _params, outputs) {
    const out = rotateOutput.parse(outputs.rotate);
    const expires = formatUtc(new Date(out.notAfter));
    return {
      status: 'ok',
      headline: `Rotated the internal certificate of ${target.service.displayName} (${target.environment}): ${out.subject}, expires ${expires}, SHA-256 ${out.fingerprint256}`,
      items: [
        {
          id: 'certificate',
          title: 'New certificate',
          status: 'succeeded',
          value: `expires ${expires}`,
          summary: `${out.subject} · serial ${out.serial} · SHA-256 ${out.fingerprint256}`,
        },
        {
          id: 'previous',
          title: 'Replaced',
          status: 'succeeded',
          value: out.oldNotAfter ? `was valid until ${formatUtc(new Date(out.oldNotAfter))}` : 'none',
          summary: out.oldFingerprint256 ? `SHA-256 ${out.oldFingerprint256}` : 'no readable certificate before',
        },
        {
          id: 'rollout',
          title: 'Rollout',
          status: 'succeeded',
          value: `${out.readyReplicas}/${out.replicas} ready`,
          summary: `every replica restarted with Secret ${out.secret}`,
        },
      ],
      details: [],
    };
  },
};

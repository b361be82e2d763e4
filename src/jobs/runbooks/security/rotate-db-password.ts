import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { type SecretState, secretText, secretValue } from '../../../infra/kube-secrets.js';
import { checkLogin, roleSessionsSince, setRolePassword } from '../../../infra/pg-role-password.js';
import { formatSeconds } from '../../health/checks/format.js';
import type { Runbook, StepContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { leftovers } from '../k8s/k8s-context.js';
import { dbPasswordMaterial, planDbPassword, requireDatabaseSecret } from './db-password-plan.js';
import { pause, pollIntervalMs, requireSecrets, restartAndWait, rollbackTimeoutMs } from './secret-rotation.js';

const params = z.object({}).strict();
type RotateParams = z.infer<typeof params>;

const steps = [{ name: 'rotate', title: 'Rotate the database password' }] as const;

const rotateOutput = z.object({
  role: z.string(),
  database: z.string(),
  secret: z.string(),
  keys: z.array(z.string()),
  replicas: z.number(),
  readyReplicas: z.number(),
  sessions: z.number(),
  health: z.string(),
  durationMs: z.number(),
});

/** 32 random bytes as URL-safe base64 (43 characters): safe in a connection URL without escaping. */
function newPassword(): string {
  return randomBytes(32).toString('base64url');
}

/** The Secret's URL with its password replaced; undefined when the Secret has no URL key. */
function urlWithPassword(old: SecretState, key: string, password: string): string | undefined {
  const text = secretText(old, key);
  if (text === undefined) return undefined;
  const u = new URL(text);
  u.password = password;
  return u.toString();
}

/** Where a failed rotation got to, for the rollback and the message. */
type Stage = 'password' | 'restart' | 'verify';
const stageText: Record<Stage, string> = {
  password: 'after ALTER ROLE',
  restart: 'during the restart',
  verify: 'while waiting for the application to connect again',
};

async function waitForReconnect(
  ctx: StepContext<RotateParams>,
  url: string,
  role: string,
  since: Date,
  timeoutMs: number,
): Promise<{ sessions: number; health: string }> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  let last = 'no answer yet';
  try {
    for (;;) {
      let health = 'not configured';
      if (ctx.infra.httpProbe) {
        try {
          const r = await ctx.infra.httpProbe.probe({ signal, timeoutMs: 5_000 });
          health = `HTTP ${r.status}`;
        } catch (err) {
          if (signal.aborted) throw err;
          health = messageOf(err);
        }
      }
      const healthy = !ctx.infra.httpProbe || /^HTTP 2\d\d$/.test(health);
      const sessions = await roleSessionsSince(url, role, since, signal);
      last = `health ${health}; ${sessions} new ${role} sessions`;
      if (healthy && sessions > 0) return { sessions, health };
      ctx.progress(stepProgress(steps, 'rotate', `waiting for the application: ${last}`));
      await pause(pollIntervalMs * 2, signal);
    }
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (signal.aborted) {
      throw new Error(`the application did not connect again within ${formatSeconds(timeoutMs / 1000)} (${last})`);
    }
    throw err;
  }
}

/** Puts the old password and the old Secret back and restarts again; returns what it could not undo. */
async function putBack(
  ctx: StepContext<RotateParams>,
  url: string,
  role: string,
  old: SecretState,
  stage: Stage,
  oldPassword: string,
): Promise<string[]> {
  const signal = AbortSignal.timeout(rollbackTimeoutMs);
  const left: string[] = [];
  try {
    await setRolePassword(url, role, oldPassword, signal);
  } catch (err) {
    left.push(`the old password of ${role} could not be set again: ${messageOf(err)}`);
  }
  if (stage !== 'password') {
    try {
      await requireSecrets(ctx).replaceSecretData(old.name, { ...old.data }, { signal });
    } catch (err) {
      left.push(`Secret ${old.name} could not be put back: ${messageOf(err)}`);
    }
    try {
      await restartAndWait(ctx, signal);
    } catch (err) {
      left.push(`the restart with the old Secret did not complete: ${messageOf(err)}`);
    }
  }
  return left;
}

async function rotate(ctx: StepContext<RotateParams>): Promise<z.infer<typeof rotateOutput>> {
  const started = Date.now();
  if (!ctx.plan) throw new Error('rotate db-password ran without its approved plan');
  const m = dbPasswordMaterial.parse(ctx.plan.material);
  const { url, config } = requireDatabaseSecret(ctx);
  const secrets = requireSecrets(ctx);
  const say = (summary: string) => ctx.progress(stepProgress(steps, 'rotate', summary));

  say(`reading Secret ${m.secret}`);
  const old = await secrets.readSecret(m.secret, { signal: ctx.signal });
  if (!old) throw new Error(`Secret ${m.secret} no longer exists in ${secrets.namespace}; nothing was changed`);
  if (old.resourceVersion !== m.secretVersion) {
    throw new Error(`Secret ${m.secret} changed since the plan was approved; nothing was changed`);
  }
  const oldPassword = secretText(old, config.keys.password);
  if (oldPassword === undefined)
    throw new Error(`Secret ${m.secret} has no "${config.keys.password}" key; nothing was changed`);

  const password = newPassword();
  say(`ALTER ROLE ${m.role} on ${m.database}`);
  const since = await setRolePassword(url, m.role, password, ctx.signal);
  let stage: Stage = 'password';
  try {
    await checkLogin(url, m.role, password, ctx.signal);
    say(`replacing ${m.keys.join(', ')} in Secret ${m.secret}`);
    const data: Record<string, string> = {
      ...old.data,
      [config.keys.username]: secretValue(m.role),
      [config.keys.password]: secretValue(password),
    };
    const newUrl = urlWithPassword(old, config.keys.url, password);
    if (newUrl !== undefined) data[config.keys.url] = secretValue(newUrl);
    await secrets.replaceSecretData(m.secret, data, { signal: ctx.signal, resourceVersion: old.resourceVersion });
    stage = 'restart';
    say(`restarting ${m.deployment}`);
    const rollout = await restartAndWait(ctx, ctx.signal, (status) => say(`rollout: ${status}`));
    stage = 'verify';
    const verified = await waitForReconnect(ctx, url, m.role, since, config.reconnectTimeoutSeconds * 1000);
    return {
      role: m.role,
      database: m.database,
      secret: m.secret,
      keys: m.keys,
      ...rollout,
      ...verified,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    say('failed: putting the old password and Secret back');
    const left = await putBack(ctx, url, m.role, old, stage, oldPassword);
    const reason = messageOf(err);
    if (left.length === 0) {
      const back =
        stage === 'password'
          ? 'the old password was set again'
          : 'the old password and the old Secret were put back and the deployment restarted';
      throw new Error(`Password rotation failed ${stageText[stage]}: ${reason}. Nothing changed in the end: ${back}.`);
    }
    throw new Error(
      `Password rotation failed ${stageText[stage]}: ${reason}. Putting things back did not fully work: ${left.join('; ')}. Check the Secret and the role by hand.`,
    );
  }
}

/**
 * THERMALIQ "Rotate Secrets → Database Password Rotation": a new random password for the application's role, set
 * in PostgreSQL and in the Secret the deployment reads, a rolling restart, and proof that the application connects
 * again. On failure the old password and Secret go back. The password is never shown, logged or checkpointed.
 */
export const rotateDbPasswordRunbook: Runbook<RotateParams> = {
  name: 'rotate db-password',
  summary:
    'Rotate the application’s database password: ALTER ROLE, the Secret’s keys, a rolling restart, and a check that it connects again',
  usage: 'rotate db-password [--env NAME] [--dry-run]',
  examples: ['rotate db-password', 'rotate db-password --env staging --dry-run'],
  risk: 'destructive',
  minRole: 'operator',
  params,
  parseArgs: leftovers,
  initialProgress() {
    return stepProgress(steps);
  },
  plan: planDbPassword,
  steps: [
    {
      name: 'rotate',
      title: 'Rotate the database password',
      // The rollout (up to 10 min), the reconnect wait (up to an hour by config) and a rollback.
      timeoutMs: 80 * 60_000,
      destructive: true,
      run: rotate,
    },
  ],
  async interrupted() {
    return 'The rotation stopped mid-way (its worker died). The bot never stores passwords, so it cannot tell which password the role and the Secret hold now: log in with the Secret’s password to check, and run `rotate db-password` again if they differ.';
  },
  report(target, _params, outputs) {
    const out = rotateOutput.parse(outputs.rotate);
    const where = `${target.service.displayName} (${target.environment})`;
    return {
      status: 'ok',
      headline: `Rotated the database password of ${out.role} for ${where}: the application connects again (${out.sessions} new sessions)`,
      items: [
        {
          id: 'password',
          title: 'Password',
          status: 'succeeded',
          value: out.role,
          summary: `changed on ${out.database}`,
        },
        {
          id: 'secret',
          title: 'Secret',
          status: 'succeeded',
          value: out.secret,
          summary: `keys ${out.keys.join(', ')} replaced`,
        },
        {
          id: 'rollout',
          title: 'Rollout',
          status: 'succeeded',
          value: `${out.readyReplicas}/${out.replicas} ready`,
          summary: 'every replica restarted with the new Secret',
        },
        {
          id: 'connects',
          title: 'Application connects',
          status: 'succeeded',
          value: `${out.sessions} sessions`,
          summary: `health ${out.health}; took ${formatSeconds(out.durationMs / 1000)} in all`,
        },
      ],
      details: [],
    };
  },
};

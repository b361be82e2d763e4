import { describe, expect, it } from 'vitest';
import { loadOpsConfig } from '../../src/config/ops-config.js';
import { resolveTarget } from '../../src/config/targets.js';
import { answeredCommands } from '../../src/handlers/handle-command.js';
import { matchCommand, tokenize } from '../../src/handlers/parse-command.js';
import { runbooks } from '../../src/jobs/registry.js';
import type { Runbook } from '../../src/jobs/runbook.js';
import { readPolicyTable } from './policy-table.js';

/**
 * Issue 13, item 14: the README's command table lists, for every runbook, exactly the flags the bot accepts for it.
 * What a runbook accepts is asked of the code, not of its usage text: its own flags are those its params schema does
 * not refuse as unknown keys; `--env` is taken by the command handler for every runbook, and `--dry-run` by every
 * runbook that can be destructive (the handler refuses it for the others).
 */

const table = readPolicyTable();
const config = loadOpsConfig(new URL('../../config/ops.yml', import.meta.url).pathname, {});

/** The `--flag` names a usage text mentions. */
function flagsIn(usage: string): string[] {
  return [...new Set([...usage.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1] ?? ''))].sort();
}

/** A command line as handleCommand reads it: the runbook's positional words and its own flags. */
function lineOf(runbook: Runbook<unknown>, text: string): { args: string[]; flags: Record<string, string | true> } {
  const tokens = tokenize(text);
  if (!tokens.ok) throw new Error(`example "${text}" of ${runbook.name} does not tokenize: ${tokens.reason}`);
  const match = matchCommand(tokens.line.words, runbooks.keys());
  if (match?.name !== runbook.name) throw new Error(`example "${text}" is not a ${runbook.name} command`);
  return { args: match.args, flags: tokens.line.flags };
}

/** Whether the runbook's own arguments take this flag: its params schema does not refuse it as an unknown key. */
function takesFlag(runbook: Runbook<unknown>, flag: string): boolean {
  const { args } = lineOf(runbook, runbook.examples[0] ?? runbook.name);
  let input: unknown;
  try {
    input = runbook.parseArgs(args, { [flag]: 'x' });
  } catch {
    // A parser that throws on the flag's value still took the flag.
    return true;
  }
  const parsed = runbook.params.safeParse(input);
  if (parsed.success) return true;
  return !parsed.error.issues.some(
    (i) => i.code === 'unrecognized_keys' && (i.keys.includes(flag) || i.keys.includes(`--${flag}`)),
  );
}

/** Whether any of the runbook's own examples, in any configured environment, is destructive. */
function canBeDestructive(runbook: Runbook<unknown>): boolean {
  if (runbook.risk === 'destructive') return true;
  if (!runbook.riskFor) return false;
  for (const example of runbook.examples) {
    const { args, flags } = lineOf(runbook, example);
    const { env: _env, 'dry-run': _dryRun, ...own } = flags;
    const params = runbook.params.parse(runbook.parseArgs(args, own));
    for (const [serviceKey, service] of Object.entries(config.services)) {
      for (const environment of Object.keys(service.environments)) {
        if (runbook.riskFor(resolveTarget(config, serviceKey, environment), params) === 'destructive') return true;
      }
    }
  }
  return false;
}

/** Every flag a usage anywhere (README or code) mentions, so a flag missing from both is still probed. */
const candidateFlags = [
  ...new Set([
    ...table.rows.flatMap((r) => flagsIn(r.usage)),
    ...[...runbooks.values()].flatMap((rb) => flagsIn(rb.usage)),
  ]),
].filter((f) => f !== 'env' && f !== 'dry-run');

/** The flags the bot accepts for a runbook, asked of the code. */
function acceptedFlags(runbook: Runbook<unknown>): string[] {
  const own = candidateFlags.filter((f) => takesFlag(runbook, f));
  return [...own, 'env', ...(canBeDestructive(runbook) ? ['dry-run'] : [])].sort();
}

describe('the README command table against the runbooks', () => {
  it('has one row per runbook and answered command (history, alerts), and no other', () => {
    const commands = table.rows.map((r) => r.command);
    expect(new Set(commands).size).toBe(commands.length);
    expect([...commands].sort()).toEqual([...runbooks.keys(), ...answeredCommands, 'help'].sort());
  });

  it('probes flags for real: every runbook refuses a flag it does not know', () => {
    for (const runbook of runbooks.values()) {
      expect(takesFlag(runbook, 'no-such-flag'), runbook.name).toBe(false);
    }
  });

  it.each([...runbooks.values()].map((rb) => [rb.name, rb] as const))(
    '%s: the row lists exactly the flags the runbook accepts, and so does its usage',
    (name, runbook) => {
      const row = table.rows.find((r) => r.command === name);
      expect(row, `README row for ${name}`).toBeDefined();
      const accepted = acceptedFlags(runbook);
      expect(flagsIn(row?.usage ?? ''), `README: ${row?.usage}`).toEqual(accepted);
      expect(flagsIn(runbook.usage), `usage: ${runbook.usage}`).toEqual(accepted);
    },
  );
});

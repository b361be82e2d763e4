import type { OpsConfig } from '../config/ops-config.js';
import { ConfigError } from '../errors.js';
import { parseRunbookArguments } from '../handlers/argument-errors.js';
import { matchCommand, tokenize } from '../handlers/parse-command.js';
import type { Runbook } from '../jobs/runbook.js';

/** A command text of the alerts config, read as the slash command would read it. */
export type AlertCommand = { ok: true; runbook: Runbook<unknown>; params: unknown } | { ok: false; reason: string };

/** Reads `text` (e.g. "backup verify", "errors --since 1h") as the runbook and params it names. */
export function readAlertCommand(runbooks: ReadonlyMap<string, Runbook<unknown>>, text: string): AlertCommand {
  const line = tokenize(text);
  if (!line.ok) return { ok: false, reason: line.reason };
  const { env: _env, 'dry-run': _dryRun, ...flags } = line.line.flags;
  const match = matchCommand(line.line.words, runbooks.keys());
  const runbook = match ? runbooks.get(match.name) : undefined;
  if (!match || !runbook) return { ok: false, reason: `"${text}" is not a runbook` };
  const parsed = parseRunbookArguments(runbook, '', match.args, flags);
  return parsed.ok ? { ok: true, runbook, params: parsed.params } : { ok: false, reason: parsed.message };
}

/**
 * Checks at start that every suggested runbook names one that exists, and that every diagnosis is read-only (it
 * runs unattended, with nobody's approval). `{label}` placeholders are checked with a stand-in value.
 */
export function validateAlertRunbooks(config: OpsConfig, runbooks: ReadonlyMap<string, Runbook<unknown>>): void {
  config.alerts?.runbooks.forEach((entry, i) => {
    for (const [kind, texts] of [
      ['suggest', entry.suggest],
      ['diagnose', entry.diagnose],
    ] as const) {
      texts.forEach((text, j) => {
        const read = readAlertCommand(runbooks, text.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x'));
        const where = `ops config alerts.runbooks.${i}.${kind}.${j}`;
        if (!read.ok) throw new ConfigError(`${where}: ${read.reason}`);
        if (kind === 'diagnose' && read.runbook.risk !== 'read') {
          throw new ConfigError(`${where}: "${text}" changes things; only read-only runbooks run by themselves`);
        }
      });
    }
  });
}

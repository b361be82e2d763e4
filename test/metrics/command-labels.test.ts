import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runbooks } from '../../src/jobs/registry.js';
import { commandLabelOf, commandOutcomeOf } from '../../src/metrics/command-labels.js';

const known = [...runbooks.keys()];

describe('command labels stay a short fixed list whatever people type', () => {
  it('names the runbook, help, or unknown', () => {
    expect(commandLabelOf('health --env staging', known)).toBe('health');
    expect(commandLabelOf('BACKUP now --format custom', known)).toBe('backup now');
    expect(commandLabelOf('backup prune --dry-run', known)).toBe('backup prune');
    expect(commandLabelOf('restore "a b.sql.gz"', known)).toBe('restore');
    expect(commandLabelOf('', known)).toBe('help');
    expect(commandLabelOf('help', known)).toBe('help');
    expect(commandLabelOf('--help', known)).toBe('help');
    expect(commandLabelOf('helth', known)).toBe('unknown');
    expect(commandLabelOf('backup', known)).toBe('unknown');
    expect(commandLabelOf('"unclosed', known)).toBe('unknown');
  });

  it('never yields a label outside the registry, help and unknown (2,000 generated texts)', () => {
    const allowed = new Set([...known, 'help', 'unknown']);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => allowed.has(commandLabelOf(text, known))),
      { numRuns: 2000 },
    );
  });

  it('outcome is accepted, help, the refusal code, or answered', () => {
    expect(commandOutcomeOf({ kind: 'accepted' })).toBe('accepted');
    expect(commandOutcomeOf({ kind: 'help' })).toBe('help');
    expect(commandOutcomeOf({ kind: 'refused', code: 'forbidden' })).toBe('forbidden');
    expect(commandOutcomeOf({ kind: 'runs' })).toBe('answered');
  });
});

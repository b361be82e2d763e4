import { describe, expect, it } from 'vitest';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { resolveTarget } from '../../src/config/targets.js';
import { scriptRunbook } from '../../src/jobs/runbooks/security/script.js';
import { compileScript, scriptsOf } from '../../src/jobs/runbooks/security/script-args.js';

/** The ops config's `scripts:`: what it refuses at boot, naming the exact path, so no script can become a shell. */

function configWith(scripts: unknown[]) {
  return {
    services: {
      thermaliq: {
        command: '/thermaliq',
        displayName: 'GL-009 THERMALIQ',
        scripts,
        environments: { production: {} },
      },
    },
    roles: {},
    channels: { allowed: ['*'] },
  };
}

const base = { name: 'warm-cache', summary: 'Warm the cache', risk: 'change', timeoutSeconds: 60 };

describe('scripts in the ops config', () => {
  it('accepts the guide-shaped declaration, with defaults', () => {
    const cfg = parseOpsConfig(
      configWith([
        {
          ...base,
          argv: ['python', '/app/scripts/warm_cache.py', '--days', '{days}'],
          params: { days: { type: 'integer', min: 1, max: 365, default: 30 } },
        },
      ]),
    );
    expect(cfg.services.thermaliq?.scripts[0]?.params.days).toEqual({ type: 'integer', min: 1, max: 365, default: 30 });
    expect(cfg.services.thermaliq?.environments.production?.scripts).toEqual([]);
  });

  it.each([
    [
      { argv: ['{tool}'], params: { tool: { type: 'enum', values: ['sh'] } } },
      'services.thermaliq.scripts.0.argv.0: the executable must be fixed',
    ],
    [
      { argv: ['python', '--days={days}'], params: { days: { type: 'integer', min: 1, max: 9 } } },
      'services.thermaliq.scripts.0.argv.1: a parameter must be a whole word',
    ],
    [{ argv: ['python', '{days}'] }, 'services.thermaliq.scripts.0.argv.1: {days} is not one of the params'],
    [
      { argv: ['python'], params: { days: { type: 'integer', min: 1, max: 9 } } },
      'services.thermaliq.scripts.0.params.days: not used in argv',
    ],
    [
      { argv: ['python', '{ids}'], params: { ids: { type: 'list', pattern: '([a-z' } } },
      'services.thermaliq.scripts.0.params.ids.pattern: expected a regular expression',
    ],
    [{ argv: ['python'], risk: 'sometimes' }, 'services.thermaliq.scripts.0.risk'],
  ])('refuses %o, naming the path', (script, message) => {
    expect(() => parseOpsConfig(configWith([{ ...base, ...script }]))).toThrow(message);
  });

  it('refuses two scripts of one name', () => {
    expect(() =>
      parseOpsConfig(
        configWith([
          { ...base, argv: ['a'] },
          { ...base, argv: ['b'] },
        ]),
      ),
    ).toThrow('services.thermaliq.scripts.1.name: warm-cache is used twice');
  });

  it('lets an environment add scripts or replace one by name, and takes the risk of the one it resolves to', () => {
    const tree = configWith([{ ...base, argv: ['python', '/app/warm.py'] }]);
    const production = {
      scripts: [
        { ...base, argv: ['python', '/app/warm.py', '--dry'], risk: 'read' },
        { ...base, name: 'extra', argv: ['x'] },
      ],
    };
    tree.services.thermaliq.environments = { production, staging: {} } as typeof tree.services.thermaliq.environments;
    const cfg = parseOpsConfig(tree);
    const prod = resolveTarget(cfg, 'thermaliq', 'production');
    const staging = resolveTarget(cfg, 'thermaliq', 'staging');
    expect(scriptsOf(prod).map((s) => [s.name, s.risk, s.argv.join(' ')])).toEqual([
      ['extra', 'change', 'x'],
      ['warm-cache', 'read', 'python /app/warm.py --dry'],
    ]);
    expect(scriptsOf(staging).map((s) => [s.name, s.risk])).toEqual([['warm-cache', 'change']]);
    expect(scriptRunbook.riskFor?.(prod, { name: 'warm-cache', args: {} })).toBe('read');
    expect(scriptRunbook.riskFor?.(staging, { name: 'warm-cache', args: {} })).toBe('change');
  });

  it('turns a list into one argv word per item and fills defaults, touching no other word', () => {
    const cfg = parseOpsConfig(
      configWith([
        {
          ...base,
          argv: ['python', 'warm.py', '--facilities', '{ids}', '--days', '{days}', '--literal', '$(id)'],
          params: {
            ids: { type: 'list', pattern: '[A-Z]-[0-9]+', maxItems: 3 },
            days: { type: 'integer', min: 1, max: 9, default: 7 },
          },
        },
      ]),
    );
    const target = resolveTarget(cfg, 'thermaliq', 'production');
    const script = scriptsOf(target)[0];
    if (!script) throw new Error('no script');
    expect(compileScript(target, script, { ids: 'F-1,F-22' })).toEqual([
      'python',
      'warm.py',
      '--facilities',
      'F-1',
      'F-22',
      '--days',
      '7',
      '--literal',
      '$(id)',
    ]);
    expect(() => compileScript(target, script, { ids: 'F-1,F-2,F-3,F-4' })).toThrow(
      'ids must be a comma-separated list of up to 3 items',
    );
    expect(() => compileScript(target, script, { ids: 'F-1,,F-2' })).toThrow('ids must be');
  });
});

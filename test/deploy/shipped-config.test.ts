import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadOpsConfig } from '../../src/config/ops-config.js';

/**
 * Issue 13, item 13: the shipped config/ops.yml, loaded with every variable of .env.example set, configures every
 * target of every environment of every service from those variables. The check walks the resolved config, so an
 * environment added later without (say) its S3 region fails here rather than in someone's backup.
 */

const configFile = new URL('../../config/ops.yml', import.meta.url).pathname;
const envExample = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');

/** The variable names .env.example lists (`NAME=` lines). */
const exampleNames = envExample
  .split('\n')
  .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
  .filter((name): name is string => name !== undefined);

/** A value of the kind each variable holds, unique to it, so the test can tell which variable a value came from. */
function sampleValue(name: string): string {
  const slug = name.toLowerCase().replaceAll('_', '-');
  if (name === 'S3_FORCE_PATH_STYLE') return 'true';
  if (name === 'AWS_REGION') return 'ap-test-1';
  if (name.endsWith('DATABASE_URL')) return `postgres://bot@${slug}.example:5432/db`;
  if (name.endsWith('REDIS_URL')) return `redis://${slug}.example:6379/0`;
  if (name.endsWith('_URL') || name.endsWith('_SERVER') || name === 'S3_ENDPOINT') return `https://${slug}.example`;
  if (name.endsWith('_BUCKET')) return slug;
  if (name.endsWith('CHANNEL')) return `C${name.replace(/[^A-Z0-9]/g, '')}`;
  if (name === 'VIEWERS') return 'U0VIEWERS';
  return `value-of-${slug}`;
}

const fullEnv: Record<string, string> = Object.fromEntries(exampleNames.map((n) => [n, sampleValue(n)]));
const fromVariable = new Set<unknown>(Object.values(fullEnv));

/** Every leaf of a resolved config subtree, by dotted path. */
function leaves(node: unknown, path = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      for (const [p, v] of leaves(value, path ? `${path}.${key}` : key)) out.set(p, v);
    }
  } else {
    out.set(path, node);
  }
  return out;
}

/**
 * PromQL overrides are per service and optional by design (the defaults are the guides' queries); every other
 * variable-driven key is a target every environment needs.
 */
// The log archive (`logs prune`) is the VCCI guide's alone, so only its service declares one.
const perServiceOptional = /^(prometheus\.(queries|perf)\.|logs\.)/;

/** The targets no environment may go without. */
const requiredTargets = [
  'kubernetes.cluster.server',
  'kubernetes.cluster.token',
  'database.url',
  'cache.url',
  'backups.bucket',
  'backups.endpoint',
  'backups.region',
  'backups.forcePathStyle',
  'backups.accessKeyId',
  'backups.secretAccessKey',
  'prometheus.url',
  'healthUrl',
];

describe('the shipped config/ops.yml with a full .env.example', () => {
  const shipped = readFileSync(configFile, 'utf8');
  const full = loadOpsConfig(configFile, fullEnv);
  const bare = loadOpsConfig(configFile, {});
  const environments = Object.entries(full.services).flatMap(([serviceKey, service]) =>
    Object.entries(service.environments).map(([name, env]) => {
      const bareEnv = bare.services[serviceKey]?.environments[name];
      return { where: `${serviceKey}.${name}`, serviceKey, full: leaves(env), bare: leaves(bareEnv) };
    }),
  );

  /** The keys of an environment whose value comes from a variable: set by the full environment, not by defaults. */
  const variableDriven = (e: (typeof environments)[number]) =>
    [...e.full]
      .filter(([path, value]) => {
        if (value === undefined || value === e.bare.get(path)) return false;
        // A flag read from a variable arrives as the boolean it spells.
        return fromVariable.has(value) || (typeof value === 'boolean' && fromVariable.has(String(value)));
      })
      .map(([path]) => path);

  it('lists in .env.example every variable the config reads', () => {
    // From the parsed YAML's values, so the header comment's `${VAR}` example does not count.
    const values = [...leaves(parseYaml(shipped)).values()].filter((v): v is string => typeof v === 'string');
    const read = [...new Set(values.flatMap((v) => [...v.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] ?? '')))];
    expect(read).toContain('AWS_REGION');
    expect(read.filter((name) => !exampleNames.includes(name))).toEqual([]);
  });

  it('configures every target of every environment from the variables', () => {
    expect(environments.length).toBeGreaterThan(1);
    const missing = environments.flatMap((e) => {
      const configured = new Set(variableDriven(e));
      return requiredTargets.filter((path) => !configured.has(path)).map((path) => `${e.where}: ${path}`);
    });
    expect(missing).toEqual([]);
  });

  it('gives every environment the keys any other environment reads from a variable', () => {
    const union = new Set(environments.flatMap(variableDriven).filter((p) => !perServiceOptional.test(p)));
    const missing = environments.flatMap((e) => {
      const configured = new Set(variableDriven(e));
      return [...union].filter((path) => !configured.has(path)).map((path) => `${e.where}: ${path}`);
    });
    expect(missing).toEqual([]);
  });

  it('points the S3 settings of every environment at the same variables', () => {
    for (const e of environments) {
      expect(
        {
          endpoint: e.full.get('backups.endpoint'),
          region: e.full.get('backups.region'),
          forcePathStyle: e.full.get('backups.forcePathStyle'),
          accessKeyId: e.full.get('backups.accessKeyId'),
          secretAccessKey: e.full.get('backups.secretAccessKey'),
        },
        e.where,
      ).toEqual({
        endpoint: fullEnv.S3_ENDPOINT,
        region: fullEnv.AWS_REGION,
        forcePathStyle: true,
        accessKeyId: fullEnv.AWS_ACCESS_KEY_ID,
        secretAccessKey: fullEnv.AWS_SECRET_ACCESS_KEY,
      });
    }
  });

  it('gives each environment of a service its own database, Redis and health URL', () => {
    for (const path of ['database.url', 'cache.url', 'healthUrl']) {
      const seen = new Map<string, string>();
      for (const e of environments) {
        const key = `${e.serviceKey} ${String(e.full.get(path))}`;
        expect(seen.get(key), `${e.where}: ${path} is shared`).toBeUndefined();
        seen.set(key, e.where);
      }
    }
  });
});

import { ConfigError } from '../errors.js';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree.
 * A `${VAR}` with no default whose variable is unset is an error naming the YAML path and the variable.
 */
export function interpolate(node: unknown, env: NodeJS.ProcessEnv, path: string[] = []): unknown {
  if (typeof node === 'string') {
    return node.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(
        `ops config ${path.join('.') || '(root)'}: environment variable ${name} is not set (write \${${name}:-} to make it optional)`,
      );
    });
  }
  if (Array.isArray(node)) return node.map((item, i) => interpolate(item, env, [...path, String(i)]));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = interpolate(value, env, [...path, key]);
    return out;
  }
  return node;
}

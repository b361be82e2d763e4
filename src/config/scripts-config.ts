import { z } from 'zod';

/** A parameter name as users type it (`days=30`) and as the argv template refers to it (`{days}`). */
const paramName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, { message: 'expected a lowercase parameter name such as days' });

/** A regular expression a string value must match whole; checked when the config loads. */
const pattern = z.string().refine(
  (p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a regular expression' },
);

const described = { description: z.string().min(1).max(120).optional() };

/**
 * A script parameter. Values only ever become argv words (never a shell string), and each is checked against its
 * type: a string must match `pattern` whole, a list is comma-separated items each matching `pattern` (one argv word
 * per item), an integer must lie in its range, an enum be one of its values.
 */
const scriptParamSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('string'), pattern, default: z.string().optional(), ...described }).strict(),
  z
    .object({
      type: z.literal('list'),
      pattern,
      maxItems: z.number().int().min(1).max(500).default(50),
      default: z.array(z.string()).optional(),
      ...described,
    })
    .strict(),
  z
    .object({
      type: z.literal('integer'),
      min: z.number().int(),
      max: z.number().int(),
      default: z.number().int().optional(),
      ...described,
    })
    .strict(),
  z
    .object({
      type: z.literal('enum'),
      values: z.array(z.string().min(1)).min(1),
      default: z.string().optional(),
      ...described,
    })
    .strict(),
]);

/** A `{name}` placeholder standing alone as an argv word. */
const placeholder = /^\{([a-z][a-z0-9_]*)\}$/;

/**
 * A command the ops config lets people run in a pod of the service (`script <name> [param=value ...]`), through the
 * exec API: never through a shell. `argv` is the command word by word; a word that is exactly `{param}` is replaced
 * by that parameter's value (a list by one word per item); no other word is touched.
 */
export const scriptConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, { message: 'expected a lowercase name such as warm-cache' }),
    /** One line for help and the run's message. */
    summary: z.string().min(1).max(150),
    /** The container to run it in; default: the pod's default container, as `kubectl exec` picks it. */
    container: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'expected a container name' })
      .optional(),
    argv: z.array(z.string().min(1)).min(1).max(100),
    params: z.record(paramName, scriptParamSchema).default({}),
    risk: z.enum(['read', 'change', 'destructive']),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(6 * 3600),
  })
  .strict()
  .superRefine((script, ctx) => {
    if (placeholder.test(script.argv[0] ?? '')) {
      ctx.addIssue({ code: 'custom', path: ['argv', 0], message: 'the executable must be fixed, not a parameter' });
    }
    const used = new Set<string>();
    script.argv.forEach((word, i) => {
      const name = placeholder.exec(word)?.[1];
      if (name !== undefined) {
        used.add(name);
        if (!(name in script.params)) {
          ctx.addIssue({ code: 'custom', path: ['argv', i], message: `{${name}} is not one of the params` });
        }
      } else if (/[{}]/.test(word)) {
        ctx.addIssue({
          code: 'custom',
          path: ['argv', i],
          message: 'a parameter must be a whole word such as "{days}"; it is never spliced into other text',
        });
      }
    });
    for (const name of Object.keys(script.params)) {
      if (!used.has(name)) ctx.addIssue({ code: 'custom', path: ['params', name], message: 'not used in argv' });
    }
  });

/** The scripts of a service or environment; names are unique. */
export const scriptsSchema = z
  .array(scriptConfigSchema)
  .max(50)
  .superRefine((scripts, ctx) => {
    const seen = new Set<string>();
    scripts.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${s.name} is used twice` });
      seen.add(s.name);
    });
  });

/** One script the ops config declares. */
export type ScriptConfig = z.infer<typeof scriptConfigSchema>;
/** One typed parameter of a script. */
export type ScriptParam = ScriptConfig['params'][string];

/** The argv word that is a parameter, if it is one. */
export function placeholderOf(word: string): string | undefined {
  return placeholder.exec(word)?.[1];
}

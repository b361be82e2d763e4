import { z } from 'zod';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import {
  alterSystem,
  alterSystemReset,
  alterSystemSet,
  alterSystemSetCustom,
  customSetting,
  readTunableSettings,
} from '../../../infra/pg-tuning.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { withTargetDb } from './db-context.js';
import {
  diffRow,
  memoryOf,
  planApply,
  planRollback,
  readDiff,
  recordSetting,
  rollbackSql,
  settingChange,
  type TuneDbParams,
  tuneMaterial,
  undoOf,
} from './tune-db-plan.js';
import { parseMemory } from './tune-db-values.js';

const memoryParam = z
  .string({ message: 'a memory size such as 16GB or 512MB' })
  .refine(
    (text) => {
      const bytes = parseMemory(text);
      return bytes !== undefined && bytes >= 256 * 1024 ** 2 && bytes <= 4 * 1024 ** 4;
    },
    { message: 'a memory size from 256MB to 4TB, such as 16GB' },
  )
  .describe("the server's memory, such as 16GB (default: the guide's 16 GiB host)");

// No transforms: the worker validates the stored params again, so what this returns must parse as input too.
const params: z.ZodType<TuneDbParams> = z
  .object({
    apply: z.boolean({ message: '--apply takes no value' }).default(false),
    rollback: z
      .string({ message: 'the id of the tune db --apply run to undo, such as r-0123456789' })
      .regex(/^r-[0-9a-f]{6,20}$/, {
        message: 'the id of the tune db --apply run to undo, such as r-0123456789',
      })
      .optional(),
    memory: memoryParam.optional(),
  })
  .strict()
  .refine((p) => !(p.apply && p.rollback), { message: '--apply and --rollback cannot be combined' })
  .refine((p) => !(p.rollback && p.memory !== undefined), { message: '--memory has no meaning with --rollback' });

const steps = [{ name: 'tune', title: 'Compare pg_settings with the guide' }] as const;
const changeSteps = [{ name: 'tune', title: 'ALTER SYSTEM and pg_reload_conf()' }] as const;

const resultRow = settingChange.extend({ now: z.string(), tookEffect: z.boolean(), pendingRestart: z.boolean() });
const outputSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('read'), sizedFor: z.string(), rows: z.array(diffRow) }),
  z.object({
    mode: z.enum(['apply', 'rollback']),
    runId: z.string(),
    rollbackOf: z.string().nullable(),
    results: z.array(resultRow),
    undo: z.array(settingChange),
  }),
]);

/** Waits (bounded) until every backend re-read the configuration, as a fresh session's pg_settings shows. */
async function settledSettings(
  ctx: Parameters<typeof withTargetDb>[0],
  changes: readonly z.infer<typeof settingChange>[],
) {
  const names = changes.map((c) => c.name);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await withTargetDb(ctx, {}, (s) => readTunableSettings(s, names));
    const settled = changes.every((c) => {
      const s = now.find((x) => x.name === c.name);
      // In effect, or written and waiting for a restart. (A server-start setting reset back to its default stays
      // flagged pending_restart until the next restart even when the running value already is that default.)
      return s !== undefined && (s.shown === c.to || s.pendingRestart);
    });
    if (settled || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** THERMALIQ "Database Tuning": pg_settings against the guide's values; `--apply` sets them, `--rollback` undoes. */
export const tuneDbRunbook: Runbook<TuneDbParams> = {
  name: 'tune db',
  summary:
    "pg_settings against the guide's Database Tuning values (sized to the server's memory) and which need a restart; --apply sets them with ALTER SYSTEM, --rollback <run-id> puts them back",
  usage: 'tune db [--apply | --rollback RUN-ID] [--memory SIZE] [--env NAME] [--dry-run]',
  examples: ['tune db', 'tune db --memory 32GB', 'tune db --apply', 'tune db --rollback r-0123456789'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs: (args, flags) => ({ ...(args.length > 0 ? { unexpected: args.join(' ') } : {}), ...flags }),
  riskFor: (_target, p) => (p.apply || p.rollback ? 'destructive' : 'read'),
  initialProgress: (_t, p) => stepProgress(p.apply || p.rollback ? changeSteps : steps),
  async validate(ctx) {
    requireDatabaseUrl(ctx.target);
  },
  plan: (ctx, p) => (p.rollback ? planRollback(ctx, p.rollback) : planApply(ctx, p)),
  steps: [
    {
      ...steps[0],
      timeoutMs: 60_000,
      destructive: true,
      // Setting the approved values again changes nothing, and the old values are recorded only once.
      idempotent: true,
      async run(ctx) {
        if (!ctx.params.apply && !ctx.params.rollback) {
          const memory = memoryOf(ctx.params, ctx.target);
          const { rows } = await readDiff(ctx, memory.bytes);
          return { mode: 'read', sizedFor: memory.why, rows };
        }
        if (!ctx.plan) throw new Error('tune db ran without its approved plan');
        const m = tuneMaterial.parse(ctx.plan.material);
        const conn = parsePgUrl(requireDatabaseUrl(ctx.target));
        if (conn.host !== m.database.host || conn.port !== m.database.port) {
          throw new Error(`the configured database server is no longer ${m.database.host}:${m.database.port}`);
        }
        ctx.progress(stepProgress(changeSteps, 'tune', `${m.changes.length} settings`));
        const undo = await withTargetDb(ctx, {}, async (s) => {
          const before = await readTunableSettings(
            s,
            m.changes.map((c) => c.name),
          );
          const statements: string[] = [];
          let undo = m.changes;
          if (m.rollbackOf === null) {
            const record = recordSetting(ctx.runId);
            const kept = await customSetting(s, record);
            const old = before.map((b) => undoOf(b, m.changes.find((c) => c.name === b.name)?.to ?? b.shown));
            undo =
              kept === undefined
                ? old
                : z.object({ settings: z.array(settingChange) }).parse(JSON.parse(kept)).settings;
            if (kept === undefined) {
              statements.push(
                ...alterSystemSetCustom(s, record, JSON.stringify({ at: new Date().toISOString(), settings: old })),
              );
            }
            statements.push(...m.changes.map((c) => alterSystemSet(s, c.name, c.to)));
          } else {
            statements.push(
              ...m.changes.map((c) => (c.reset ? alterSystemReset(s, c.name) : alterSystemSet(s, c.name, c.to))),
            );
            statements.push(alterSystemReset(s, recordSetting(m.rollbackOf)));
          }
          await alterSystem(s, statements);
          return undo;
        });
        const after = await settledSettings(ctx, m.changes);
        const results = m.changes.map((c) => {
          const s = after.find((x) => x.name === c.name);
          const now = s?.shown ?? '?';
          return {
            ...c,
            now,
            tookEffect: now === c.to,
            pendingRestart: s?.pendingRestart ?? false,
          };
        });
        return {
          mode: m.rollbackOf === null ? 'apply' : 'rollback',
          runId: ctx.runId,
          rollbackOf: m.rollbackOf,
          results,
          undo: m.rollbackOf === null ? undo : [],
        };
      },
    },
  ],
  report(target, _p, outputs) {
    const o = outputSchema.parse(outputs.tune);
    const where = `${target.service.displayName} (${target.environment})`;
    if (o.mode === 'read') {
      const differ = o.rows.filter((r) => r.differs);
      const items: ProgressItem[] = o.rows.map((r) => ({
        id: r.name,
        title: r.name,
        status: r.differs ? 'warn' : 'ok',
        value: r.now,
        threshold: `recommended ${r.recommended}; restart ${r.restart ? 'yes' : 'no'}`,
      }));
      return {
        status: differ.length > 0 ? 'warn' : 'ok',
        headline: `Database tuning of ${where}: ${differ.length === 0 ? "every setting has the guide's value" : `${differ.length} of ${o.rows.length} settings differ from the guide`}`,
        items,
        details: [
          { title: 'Sized for', lines: [o.sizedFor] },
          {
            title: 'setting · now · recommended · needs restart · how',
            lines: o.rows.map(
              (r) =>
                `${r.differs ? '✗' : '✓'} ${r.name} · ${r.now} · ${r.recommended} · restart ${r.restart ? 'yes' : 'no'} · ${r.how}`,
            ),
          },
        ],
      };
    }
    const waiting = o.results.filter((r) => r.pendingRestart && !r.tookEffect);
    const failed = o.results.filter((r) => !r.tookEffect && !r.pendingRestart);
    const items: ProgressItem[] = o.results.map((r) => ({
      id: r.name,
      title: r.name,
      status: r.tookEffect && !r.pendingRestart ? 'ok' : r.tookEffect || r.pendingRestart ? 'warn' : 'fail',
      value: `${r.from} → ${r.reset ? 'reset' : r.to}`,
      summary: r.tookEffect
        ? `took effect: pg_settings shows ${r.now}${r.pendingRestart ? '; PostgreSQL flags pending_restart until its next restart' : ''}`
        : r.pendingRestart
          ? `waits for a restart (pending_restart); running with ${r.now}`
          : `pg_settings still shows ${r.now}`,
    }));
    const verb = o.mode === 'apply' ? 'Applied' : `Rolled back ${o.rollbackOf ?? ''}:`;
    return {
      status: failed.length > 0 ? 'fail' : waiting.length > 0 ? 'warn' : 'ok',
      headline:
        `${verb} ${o.results.length} settings on ${where}: ${o.results.length - waiting.length - failed.length} took effect, ` +
        `${waiting.length} wait for a restart${o.mode === 'apply' ? `; roll back with /thermaliq tune db --rollback ${o.runId}` : ''}`,
      items,
      details: [
        {
          title: 'Took effect / waits for a restart',
          lines: o.results.map(
            (r) =>
              `${r.name}: ${r.tookEffect ? 'took effect' : r.pendingRestart ? 'waits for a restart' : 'not in effect'} (now ${r.now})`,
          ),
        },
        ...(o.mode === 'apply'
          ? [
              {
                title: `Rollback: /thermaliq tune db --rollback ${o.runId}, or by hand`,
                lines: rollbackSql(o.undo),
              },
            ]
          : []),
      ],
    };
  },
};

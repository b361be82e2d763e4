import { z } from 'zod';
import { countOf, nounFor } from '../../../format/words.js';
import {
  type PartmanParent,
  partitionedTables,
  partmanParents,
  partmanState,
  runPartmanMaintenance,
} from '../../../infra/pg-partman.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { withTargetDb } from './db-context.js';

const params = z
  .object({
    /** `--run` (or the word `run`): CALL partman.run_maintenance_proc(). Without it, only the status is read. */
    run: z.boolean().default(false),
  })
  .strict();
type PartitionsParams = z.infer<typeof params>;

const steps = [{ name: 'partitions', title: 'pg_partman maintenance' }] as const;

/** Parents and partitioned tables listed at most. */
const maxRows = 100;

const parent = z.object({ parentTable: z.string(), interval: z.string(), premake: z.number(), partitions: z.number() });
const outputSchema = z.discriminatedUnion('installed', [
  z.object({
    installed: z.literal(false),
    available: z.boolean(),
    database: z.string(),
    partitioned: z.array(z.object({ table: z.string(), partitions: z.number() })),
  }),
  z.object({
    installed: z.literal(true),
    version: z.string(),
    schema: z.string(),
    ran: z.boolean(),
    before: z.array(parent),
    after: z.array(parent),
  }),
]);

function parentLine(b: PartmanParent, a: PartmanParent | undefined): string {
  const count = a && a.partitions !== b.partitions ? `${b.partitions} → ${a.partitions}` : String(b.partitions);
  return `${b.parentTable} · every ${b.interval} · premake ${b.premake} · ${count} ${nounFor(a?.partitions ?? b.partitions, 'partition')}`;
}

/** The guide's "Partition Management" with pg_partman: status, and maintenance with `run`. */
export const dbPartitionsRunbook: Runbook<PartitionsParams> = {
  name: 'db partitions',
  summary:
    'pg_partman partition status; with run, CALL partman.run_maintenance_proc() to premake and retire partitions',
  usage: 'db partitions [run | --run] [--env NAME]',
  examples: ['db partitions', 'db partitions run'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs(args, flags) {
    const { run, ...rest } = flags;
    const words = args.filter((w) => w.toLowerCase() !== 'run');
    return {
      ...(words.length > 0 ? { unexpected: words.join(' ') } : {}),
      ...(run !== undefined || words.length < args.length ? { run: run === undefined ? true : run } : {}),
      ...rest,
    };
  },
  riskFor: (_target, p) => (p.run ? 'change' : 'read'),
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    requireDatabaseUrl(ctx.target);
  },
  steps: [
    {
      ...steps[0],
      timeoutMs: 30 * 60_000,
      // run_maintenance_proc only creates what is missing and drops what retention says: a repeat is harmless.
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'partitions', ctx.params.run ? 'run_maintenance_proc()' : 'status'));
        return withTargetDb(ctx, { statementTimeoutMs: 0, lockTimeoutMs: 60_000 }, async (s) => {
          const state = await partmanState(s);
          if (!state.installed) {
            return {
              installed: false,
              available: state.available,
              database: s.label,
              partitioned: await partitionedTables(s, maxRows),
            };
          }
          const before = await partmanParents(s, state.schema, maxRows);
          if (ctx.params.run) await runPartmanMaintenance(s, state.schema);
          const after = ctx.params.run ? await partmanParents(s, state.schema, maxRows) : before;
          return { installed: true, version: state.version, schema: state.schema, ran: ctx.params.run, before, after };
        });
      },
    },
  ],
  report(target, _p, outputs) {
    const o = outputSchema.parse(outputs.partitions);
    const where = `${target.service.displayName} (${target.environment})`;
    if (!o.installed) {
      return {
        status: 'skipped',
        headline: `pg_partman is not installed in ${o.database}: there is no partition maintenance to run on ${where}`,
        items: [
          {
            id: 'pg-partman',
            title: 'pg_partman',
            status: 'skipped',
            value: 'not installed',
            summary: o.available
              ? 'available on the server: CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;'
              : 'not available on the server (install the postgresql-<version>-partman package first)',
          },
        ],
        details: [
          {
            title: 'Natively partitioned tables (not managed by pg_partman)',
            lines:
              o.partitioned.length > 0
                ? o.partitioned.map((t) => `${t.table} · ${countOf(t.partitions, 'partition')}`)
                : ['None.'],
          },
        ],
      };
    }
    const after = new Map(o.after.map((p) => [p.parentTable, p]));
    const items: ProgressItem[] = [
      {
        id: 'maintenance',
        title: o.ran ? `CALL ${o.schema}.run_maintenance_proc()` : 'pg_partman status',
        status: o.ran ? 'succeeded' : 'ok',
        value: `${countOf(o.before.length, 'parent table')}`,
        summary: o.ran ? 'maintenance ran' : 'read only; add run to premake and retire partitions',
      },
      ...o.before.slice(0, 15).map<ProgressItem>((b) => {
        const a = after.get(b.parentTable);
        return {
          id: b.parentTable,
          title: b.parentTable,
          status: 'ok',
          value:
            a && a.partitions !== b.partitions
              ? `${b.partitions} → ${a.partitions} partitions`
              : countOf(b.partitions, 'partition'),
          summary: `every ${b.interval}, premake ${b.premake}`,
        };
      }),
    ];
    return {
      status: 'ok',
      headline: o.ran
        ? `pg_partman ${o.version} maintenance ran on ${where} for ${countOf(o.before.length, 'parent table')}`
        : `pg_partman ${o.version} manages ${countOf(o.before.length, 'parent table')} on ${where}`,
      items,
      details: [
        {
          title: `part_config (${o.schema})`,
          lines:
            o.before.length > 0
              ? o.before.map((b) => parentLine(b, after.get(b.parentTable)))
              : ['No parent tables configured.'],
        },
      ],
    };
  },
};

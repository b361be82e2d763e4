import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { ageOld, countOf } from '../../../format/words.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { type DatabaseState, databaseStates, dropKeptDatabase, keptDatabases } from '../../../infra/pg-databases.js';
import { scrubSecrets } from '../../../log.js';
import { formatBytes } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { Runbook, RunbookContext, RunTarget } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { oneStepRead } from '../one-step-read.js';

const noParams = z.object({}).strict();
type NoParams = z.infer<typeof noParams>;

const kinds = {
  'pre-restore': 'production before restore',
  'rolled-back': 'undone by a rollback of restore',
  restored: 'restored copy, never swapped in, of restore',
} as const;

/** One kept database and whether the retention (restore.keep) keeps it. */
interface KeptEntry {
  name: string;
  kind: keyof typeof kinds;
  run: string;
  at: string;
  sizeBytes: number;
  keep: boolean;
  why: string;
}

function retention(target: RunTarget): { count: number; days: number } {
  return target.env.restore?.keep ?? { count: 1, days: 7 };
}

/** The kept databases beside production, newest first, each with the retention's decision. */
async function keptEntries(ctx: RunbookContext): Promise<{ production: string; host: string; entries: KeptEntry[] }> {
  const url = requireDatabaseUrl(ctx.target);
  const conn = parsePgUrl(url);
  const keep = retention(ctx.target);
  const now = Date.now();
  const states = (await keptDatabases(url, conn.database, ctx.signal)).reverse();
  const entries = states.flatMap((d: DatabaseState, i): KeptEntry[] => {
    if (!d.mark) return [];
    const ageDays = (now - Date.parse(d.mark.at)) / 86_400_000;
    const young = ageDays < keep.days;
    const newest = i < keep.count;
    return [
      {
        name: d.name,
        kind: d.mark.chatops,
        run: d.mark.run,
        at: d.mark.at,
        sizeBytes: d.sizeBytes ?? 0,
        keep: young || newest,
        why: newest
          ? `one of the ${keep.count} newest`
          : young
            ? `younger than ${keep.days} d`
            : `older than ${keep.days} d and not one of the ${keep.count} newest`,
      },
    ];
  });
  return { production: conn.database, host: `${conn.host}:${conn.port}`, entries };
}

const line = (e: KeptEntry) =>
  `${e.name} · ${formatBytes(e.sizeBytes)} · ${ageOld(Date.now() - Date.parse(e.at))} · ${kinds[e.kind]} ${e.run}`;

const listOutput = z.object({
  production: z.string(),
  host: z.string(),
  entries: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['pre-restore', 'rolled-back', 'restored']),
      run: z.string(),
      at: z.string(),
      sizeBytes: z.number(),
      keep: z.boolean(),
      why: z.string(),
    }),
  ),
});

/** `restore databases`: the databases restores kept beside production, with size, age and the retention's decision. */
export const restoreDatabasesRunbook = oneStepRead<NoParams>({
  name: 'restore databases',
  summary: 'The databases restores kept beside production (pre-restore copies), with size, age and rollback command',
  usage: 'restore databases [--env NAME]',
  examples: ['restore databases'],
  params: noParams,
  reads: 'database',
  step: { name: 'list', title: 'List kept databases', timeoutMs: 60_000 },
  read: (ctx) => keptEntries(ctx),
  report(target, _p, outputs) {
    const o = listOutput.parse(outputs.list);
    const total = o.entries.reduce((sum, e) => sum + e.sizeBytes, 0);
    const doomed = o.entries.filter((e) => !e.keep).length;
    return {
      status: 'ok',
      headline:
        o.entries.length === 0
          ? `No databases kept beside ${o.production} on ${o.host}`
          : `${countOf(o.entries.length, 'database')} kept beside ${o.production} on ${o.host}, ${formatBytes(total)}; cleanup would drop ${doomed}`,
      items: [{ id: 'list', title: 'List kept databases', status: 'succeeded', value: `${o.entries.length} kept` }],
      details:
        o.entries.length === 0
          ? []
          : [
              {
                title: 'Kept databases, newest first',
                lines: o.entries.map((e) => `${line(e)} · ${e.keep ? 'kept' : 'cleanup drops it'} (${e.why})`),
              },
              {
                title: 'Commands',
                lines: [
                  ...o.entries
                    .filter((e) => e.kind === 'pre-restore')
                    .map((e) => `${target.service.command} restore rollback ${e.run} --env ${target.environment}`),
                  `${target.service.command} restore cleanup --env ${target.environment}`,
                ],
              },
            ],
    };
  },
});

/** What a cleanup approval is bound to: exactly the databases it drops, each with the mark it must still carry. */
const cleanupMaterial = z.object({
  host: z.string(),
  production: z.string(),
  drop: z.array(z.object({ name: z.string(), run: z.string(), kind: z.string() })),
});

async function planCleanup(ctx: RunbookContext): Promise<Plan> {
  const { production, host, entries } = await keptEntries(ctx);
  const keep = retention(ctx.target);
  const doomed = entries.filter((e) => !e.keep);
  const kept = entries.filter((e) => e.keep);
  return {
    summary: `Drop ${doomed.length} of ${countOf(entries.length, 'database')} kept beside ${production} on ${host}`,
    fields: [
      { label: 'Retention', value: `restore.keep: the ${keep.count} newest, and any younger than ${keep.days} d` },
      {
        label: 'Drop',
        value: `${countOf(doomed.length, 'database')}, ${formatBytes(doomed.reduce((s, e) => s + e.sizeBytes, 0))}`,
      },
      { label: 'Keep', value: `${countOf(kept.length, 'database')}` },
      {
        label: 'Note',
        value: 'A dropped pre-restore database can no longer be swapped back: its restore loses its Roll back.',
      },
    ],
    steps: [
      doomed.length > 0
        ? `DROP DATABASE … WITH (FORCE), one at a time: ${doomed.map((e) => e.name).join(', ')}`
        : 'Nothing to drop',
    ],
    material: { host, production, drop: doomed.map((e) => ({ name: e.name, run: e.run, kind: e.kind })) },
    details: [
      { title: `Drop (${doomed.length})`, lines: doomed.map(line) },
      { title: `Keep (${kept.length})`, lines: kept.map((e) => `${line(e)} (${e.why})`) },
    ],
  };
}

const cleanupOutput = z.object({
  dropped: z.array(z.string()),
  skipped: z.array(z.object({ name: z.string(), why: z.string() })),
});

/** `restore cleanup`: drops the kept databases the retention no longer keeps. Destructive, with approval. */
export const restoreCleanupRunbook: Runbook<NoParams> = {
  name: 'restore cleanup',
  summary: 'Drop the databases restores kept beside production that restore.keep no longer keeps',
  usage: 'restore cleanup [--env NAME] [--dry-run]',
  examples: ['restore cleanup'],
  risk: 'destructive',
  minRole: 'operator',
  params: noParams,
  parseArgs(args, flags) {
    return { ...(args.length > 0 ? { unexpected: args.join(' ') } : {}), ...flags };
  },
  initialProgress: () => stepProgress([{ name: 'drop', title: 'Drop kept databases' }]),
  async validate(ctx) {
    requireDatabaseUrl(ctx.target);
  },
  plan: (ctx) => planCleanup(ctx),
  steps: [
    {
      name: 'drop',
      title: 'Drop kept databases',
      timeoutMs: 30 * 60_000,
      destructive: true,
      // Dropping a database that is already gone is skipped, so a repeat does no harm.
      idempotent: true,
      async run(ctx) {
        if (!ctx.plan) throw new Error('restore cleanup ran without its approved plan');
        const m = cleanupMaterial.parse(ctx.plan.material);
        const url = requireDatabaseUrl(ctx.target);
        const conn = parsePgUrl(url);
        if (`${conn.host}:${conn.port}` !== m.host || conn.database !== m.production) {
          throw new Error(`the approved plan is for ${m.production} on ${m.host}, not this environment's database`);
        }
        const dropped: string[] = [];
        const skipped: { name: string; why: string }[] = [];
        const states = await databaseStates(
          url,
          m.drop.map((d) => d.name),
          ctx.signal,
        );
        for (const d of m.drop) {
          const now = states.find((s) => s.name === d.name);
          // Only what still carries the approved mark: a database renamed or re-marked since is not ours to drop.
          if (!now?.exists) skipped.push({ name: d.name, why: 'already gone' });
          else if (now.mark?.run !== d.run || now.mark.chatops !== d.kind || d.name === m.production) {
            skipped.push({ name: d.name, why: 'no longer marked as approved; left alone' });
          } else {
            ctx.progress(stepProgress([{ name: 'drop', title: 'Drop kept databases' }], 'drop', `dropping ${d.name}`));
            try {
              await dropKeptDatabase(url, d.name, ctx.signal);
              dropped.push(d.name);
            } catch (err) {
              skipped.push({ name: d.name, why: scrubSecrets(messageOf(err)) });
            }
          }
        }
        return { dropped, skipped };
      },
    },
  ],
  report(target, _p, outputs) {
    const o = cleanupOutput.parse(outputs.drop);
    const failed = o.skipped.filter((s) => s.why !== 'already gone').length;
    return {
      status: failed === 0 ? 'ok' : 'warn',
      headline: `Dropped ${countOf(o.dropped.length, 'kept database')} of ${target.service.displayName} (${target.environment})${failed > 0 ? `; ${failed} left` : ''}`,
      items: [
        {
          id: 'drop',
          title: 'Drop kept databases',
          status: failed === 0 ? 'succeeded' : 'failed',
          value: `${o.dropped.length} dropped`,
        },
      ],
      details: [
        ...(o.dropped.length > 0 ? [{ title: 'Dropped', lines: o.dropped }] : []),
        ...(o.skipped.length > 0 ? [{ title: 'Not dropped', lines: o.skipped.map((s) => `${s.name}: ${s.why}`) }] : []),
      ],
    };
  },
};

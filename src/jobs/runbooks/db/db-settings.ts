import { z } from 'zod';
import { autovacuumOverrides, readSettings, settingBytes } from '../../../infra/pg-settings.js';
import { formatBytes } from '../../health/checks/format.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { oneStepRead } from '../one-step-read.js';
import { withTargetDb } from './db-context.js';

const params = z.object({}).strict();
type DbSettingsParams = z.infer<typeof params>;

/** A recommended value and how a setting's raw value is compared with it. */
interface Recommendation {
  name: string;
  recommended: string;
  /** Compares pg_settings' raw value (and unit) with the recommendation. */
  matches(setting: string, unit: string | null): boolean;
}

const equalNumber = (want: number) => (setting: string) => Number(setting) === want;
const equalBytes = (want: number) => (setting: string, unit: string | null) => settingBytes({ setting, unit }) === want;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** THERMALIQ "Vacuum and Analyze": "Current settings should be". These decide the report's status. */
export const autovacuumRecommendations: readonly Recommendation[] = [
  { name: 'autovacuum', recommended: 'on', matches: (s) => s === 'on' },
  { name: 'autovacuum_vacuum_scale_factor', recommended: '0.1', matches: equalNumber(0.1) },
  { name: 'autovacuum_analyze_scale_factor', recommended: '0.05', matches: equalNumber(0.05) },
];

/**
 * THERMALIQ "Database Tuning" (ALTER SYSTEM values). They are sized for the guide's database host, so a difference
 * is shown in the thread for review and does not make the report warn.
 */
export const tuningRecommendations: readonly Recommendation[] = [
  { name: 'shared_buffers', recommended: '4GB', matches: equalBytes(4 * GiB) },
  { name: 'effective_cache_size', recommended: '12GB', matches: equalBytes(12 * GiB) },
  { name: 'maintenance_work_mem', recommended: '1GB', matches: equalBytes(GiB) },
  { name: 'checkpoint_completion_target', recommended: '0.9', matches: equalNumber(0.9) },
  { name: 'wal_buffers', recommended: '16MB', matches: equalBytes(16 * MiB) },
  { name: 'default_statistics_target', recommended: '100', matches: equalNumber(100) },
  { name: 'random_page_cost', recommended: '1.1', matches: equalNumber(1.1) },
  { name: 'effective_io_concurrency', recommended: '200', matches: equalNumber(200) },
  { name: 'work_mem', recommended: '10MB', matches: equalBytes(10 * MiB) },
  { name: 'min_wal_size', recommended: '2GB', matches: equalBytes(2 * GiB) },
  { name: 'max_wal_size', recommended: '8GB', matches: equalBytes(8 * GiB) },
];

const outputSchema = z.object({
  settings: z.array(
    z.object({ name: z.string(), setting: z.string(), unit: z.string().nullable(), source: z.string() }),
  ),
  overrides: z.array(z.object({ schema: z.string(), name: z.string(), options: z.array(z.string()) })),
});
type Setting = z.infer<typeof outputSchema>['settings'][number];

/** A raw setting as people read it: sizes in binary units, the rest as is. */
function shown(s: Setting): string {
  const bytes = settingBytes(s);
  return bytes === undefined ? `${s.setting}${s.unit ? ` ${s.unit}` : ''}` : formatBytes(bytes);
}

function compare(r: Recommendation, settings: readonly Setting[]) {
  const s = settings.find((x) => x.name === r.name);
  if (!s) return { ok: false, value: 'unknown to this server', source: '' };
  return { ok: r.matches(s.setting, s.unit), value: shown(s), source: s.source };
}

/** The guide's autovacuum settings (and, for review, its tuning values) against the server's. */
export const dbSettingsRunbook: Runbook<DbSettingsParams> = oneStepRead({
  name: 'db settings',
  summary: "Autovacuum settings against the guide's recommended values, and per-table autovacuum overrides",
  usage: 'db settings [--env NAME]',
  examples: ['db settings', 'db settings --env staging'],
  params,
  reads: 'database',
  step: { name: 'settings', title: 'Read server settings', timeoutMs: 30_000 },
  async read(ctx) {
    const names = [...autovacuumRecommendations, ...tuningRecommendations].map((r) => r.name);
    return withTargetDb(ctx, {}, async (s) => ({
      settings: await readSettings(s, names),
      overrides: await autovacuumOverrides(s, 50),
    }));
  },
  report(target, _p, outputs) {
    const o = outputSchema.parse(outputs.settings);
    const items: ProgressItem[] = autovacuumRecommendations.map((r) => {
      const c = compare(r, o.settings);
      return {
        id: r.name,
        title: r.name,
        status: c.ok ? 'ok' : 'warn',
        value: c.value,
        threshold: `recommended ${r.recommended}`,
        ...(c.ok ? {} : { summary: `set ${r.name} = ${r.recommended} (now from ${c.source || 'nowhere'})` }),
      };
    });
    const disabled = o.overrides.filter((t) =>
      t.options.some((opt) => /^autovacuum_enabled=(false|off|0)$/i.test(opt)),
    );
    items.push({
      id: 'table-overrides',
      title: 'Tables with autovacuum disabled',
      status: disabled.length > 0 ? 'warn' : 'ok',
      value: String(disabled.length),
      threshold: '> 0 warns',
      ...(disabled.length > 0 ? { summary: disabled.map((t) => `${t.schema}.${t.name}`).join(', ') } : {}),
    });
    const off = items.filter((i) => i.status === 'warn').length;
    const tuning = tuningRecommendations.map((r) => ({ r, c: compare(r, o.settings) }));
    return {
      status: off > 0 ? 'warn' : 'ok',
      headline: `Autovacuum settings of ${target.service.displayName} (${target.environment}): ${off === 0 ? 'as the guide recommends' : `${off} differ from the guide`}`,
      items,
      details: [
        {
          title: 'Autovacuum (THERMALIQ guide: autovacuum = on, vacuum scale factor 0.1, analyze scale factor 0.05)',
          lines: autovacuumRecommendations.map((r) => {
            const c = compare(r, o.settings);
            return `${c.ok ? '✓' : '✗'} ${r.name} = ${c.value} (recommended ${r.recommended}; source ${c.source || '?'})`;
          }),
        },
        {
          title: 'Per-table autovacuum storage parameters',
          lines:
            o.overrides.length > 0
              ? o.overrides.map((t) => `${t.schema}.${t.name}: ${t.options.join(', ')}`)
              : ['None.'],
        },
        {
          title: "Tuning values from the guide's Database Tuning (sized for its host; for review)",
          lines: tuning.map(({ r, c }) => `${c.ok ? '✓' : '·'} ${r.name} = ${c.value} (guide: ${r.recommended})`),
        },
      ],
    };
  },
});

import { settingBytes } from '../../../infra/pg-settings.js';
import type { TunableSetting } from '../../../infra/pg-tuning.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/**
 * The host the THERMALIQ guide's "Database Tuning" values are sized for. The guide does not say; its values are the
 * usual fractions of a 16 GiB host (shared_buffers 4GB = 25 %, effective_cache_size 12GB = 75 %,
 * maintenance_work_mem 1GB = 1/16), so that is the size used unless `--memory` gives the server's own.
 */
export const guideMemoryBytes = 16 * GiB;

/** One of the guide's settings with the value recommended for a server of a given memory. */
export interface TuneRecommendation {
  name: string;
  /** The value for ALTER SYSTEM SET (`4GB`, `410MB`, `0.9`). */
  value: string;
  /** The guide's own value, and how this one was derived from it. */
  guide: string;
  how: string;
  /** Compares pg_settings' raw value with the recommendation. */
  matches(s: Pick<TunableSetting, 'setting' | 'unit'>): boolean;
}

/** A size as PostgreSQL reads it: whole GB when exact, else whole MB (at least 1MB). */
export function pgSize(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB}GB`;
  return `${Math.max(1, Math.floor(bytes / MiB))}MB`;
}

const sized = (name: string, guide: string, bytes: number, how: string): TuneRecommendation => {
  const value = pgSize(bytes);
  const want = value.endsWith('GB') ? Number(value.slice(0, -2)) * GiB : Number(value.slice(0, -2)) * MiB;
  // pg_settings keeps sizes in its own unit (8kB pages, kB): compare within one of those units.
  return { name, value, guide, how, matches: (s) => Math.abs((settingBytes(s) ?? Number.NaN) - want) < 8 * KiB };
};
const fixed = (name: string, value: string): TuneRecommendation => ({
  name,
  value,
  guide: value,
  how: 'as the guide says',
  matches: (s) => Number(s.setting) === Number(value),
});

/**
 * The guide's ALTER SYSTEM values for a server with `memoryBytes` of memory. Memory-sized settings keep the guide's
 * fraction of its 16 GiB host; counts, costs, ratios and WAL sizes (which follow write volume and disk, not
 * memory) are the guide's as they stand.
 */
export function tuneRecommendations(memoryBytes: number): TuneRecommendation[] {
  const scale = memoryBytes / guideMemoryBytes;
  const sharedBuffers = memoryBytes / 4;
  return [
    sized('shared_buffers', '4GB', sharedBuffers, '25 % of memory'),
    sized('effective_cache_size', '12GB', (memoryBytes * 3) / 4, '75 % of memory'),
    sized('maintenance_work_mem', '1GB', Math.min(2 * GiB, memoryBytes / 16), '1/16 of memory, at most 2GB'),
    sized('work_mem', '10MB', Math.max(4 * MiB, 10 * MiB * scale), '10MB per 16 GiB, at least 4MB'),
    sized('wal_buffers', '16MB', Math.min(16 * MiB, sharedBuffers / 32), '1/32 of shared_buffers, at most 16MB'),
    fixed('checkpoint_completion_target', '0.9'),
    fixed('default_statistics_target', '100'),
    fixed('random_page_cost', '1.1'),
    fixed('effective_io_concurrency', '200'),
    sized('min_wal_size', '2GB', 2 * GiB, 'as the guide says'),
    sized('max_wal_size', '8GB', 8 * GiB, 'as the guide says'),
  ];
}

/** Parses `--memory` (`16GB`, `512MB`, `1TB`) to bytes, or undefined when it is not a size. */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d{1,6})(MB|GB|TB)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toUpperCase();
  return Number(m[1]) * (unit === 'MB' ? MiB : unit === 'GB' ? GiB : 1024 * GiB);
}

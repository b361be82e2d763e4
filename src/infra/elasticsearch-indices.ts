import { z } from 'zod';
import { OutsideAnswer } from '../errors.js';
import { describeFetchError } from './fetch-error.js';

/** One index as `GET /_cat/indices?format=json&bytes=b` lists it. */
export interface EsIndex {
  index: string;
  /** Bytes (primaries and replicas), when the cluster reported them. */
  sizeBytes: number | undefined;
  docs: number | undefined;
}

// _cat answers every column as a string (or null for a closed index).
const catRow = z.object({
  index: z.string(),
  'store.size': z.string().nullable().optional(),
  'docs.count': z.string().nullable().optional(),
});

/** Indices per DELETE: `DELETE /a,b,c` takes a list, and a URL stays well under the 4 KB line limit. */
export const indexDeleteBatch = 50;

async function esFetch(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: signal ?? null, headers: { accept: 'application/json' } });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new OutsideAnswer('Elasticsearch', `Elasticsearch at ${new URL(url).host}: ${describeFetchError(err)}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok) {
    const reason = z.object({ error: z.object({ type: z.string(), reason: z.string() }) }).safeParse(body);
    throw new OutsideAnswer(
      'Elasticsearch',
      `Elasticsearch at ${new URL(url).host}: ${reason.success ? `${reason.data.error.type}: ${reason.data.error.reason}` : `HTTP ${res.status}`}`,
      { code: String(res.status) },
    );
  }
  return body;
}

/** The indices whose names start with `prefix`, from the cat API. */
export async function listIndices(baseUrl: string, prefix: string, signal?: AbortSignal): Promise<EsIndex[]> {
  const url = `${baseUrl.replace(/\/+$/, '')}/_cat/indices/${encodeURIComponent(prefix)}*?format=json&bytes=b`;
  const rows = z.array(catRow).parse(await esFetch(url, { method: 'GET' }, signal));
  const num = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? undefined : Number(v));
  return rows
    .filter((r) => r.index.startsWith(prefix))
    .map((r) => ({ index: r.index, sizeBytes: num(r['store.size']), docs: num(r['docs.count']) }))
    .sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
}

/**
 * Deletes the indices in batches of {@link indexDeleteBatch} (`DELETE /a,b,c?ignore_unavailable=true`, so one
 * already gone does not fail its batch). Names are refused unless they start with `prefix`.
 */
export async function deleteIndices(
  baseUrl: string,
  prefix: string,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<{ deleted: string[]; batches: number; errors: { index: string; message: string }[] }> {
  const outside = names.filter((n) => !n.startsWith(prefix) || n === prefix || /[,*\s/]/.test(n));
  if (outside.length > 0)
    throw new Error(`Refusing to delete indices outside ${prefix}*: ${outside.slice(0, 3).join(', ')}`);
  const out = { deleted: [] as string[], batches: 0, errors: [] as { index: string; message: string }[] };
  for (let i = 0; i < names.length; i += indexDeleteBatch) {
    signal?.throwIfAborted();
    const batch = names.slice(i, i + indexDeleteBatch);
    const url = `${baseUrl.replace(/\/+$/, '')}/${batch.map(encodeURIComponent).join(',')}?ignore_unavailable=true`;
    out.batches += 1;
    try {
      const ack = z.object({ acknowledged: z.boolean() }).parse(await esFetch(url, { method: 'DELETE' }, signal));
      if (ack.acknowledged) out.deleted.push(...batch);
      else for (const index of batch) out.errors.push({ index, message: 'not acknowledged' });
    } catch (err) {
      if (signal?.aborted) throw err;
      for (const index of batch) out.errors.push({ index, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

import { z } from 'zod';
import { OutsideAnswer } from '../errors.js';

/** A matcher of Alertmanager's API v2 (equality only: a silence from Slack matches the group's labels exactly). */
export interface Matcher {
  name: string;
  value: string;
  isRegex: false;
  isEqual: true;
}

const labels = z.record(z.string(), z.string());
const alertGroupsSchema = z.array(
  z.object({
    labels,
    receiver: z.object({ name: z.string() }),
    alerts: z.array(
      z.object({
        fingerprint: z.string(),
        labels,
        annotations: labels.default({}),
        startsAt: z.string(),
        status: z.object({ state: z.string(), silencedBy: z.array(z.string()).default([]) }),
      }),
    ),
  }),
);

/** An alert group as Alertmanager's API v2 lists it. */
export type ListedAlertGroup = z.infer<typeof alertGroupsSchema>[number];

/** The parts of Alertmanager's API v2 the bot uses: silences and the alert groups firing now. */
export interface AlertmanagerApi {
  /** Creates a silence; resolves with its id. */
  createSilence(s: { matchers: Matcher[]; endsAt: Date; createdBy: string; comment: string }): Promise<string>;
  /** Expires a silence now. */
  expireSilence(id: string): Promise<void>;
  /** Active, unsilenced, uninhibited alert groups. */
  alertGroups(): Promise<ListedAlertGroup[]>;
}

/** A client of Alertmanager at `baseUrl` (e.g. http://alertmanager:9093); each call gives up after `timeoutMs`. */
export function alertmanagerApi(baseUrl: string, timeoutMs = 5000): AlertmanagerApi {
  const base = baseUrl.replace(/\/+$/, '');
  async function call(path: string, init: RequestInit = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new OutsideAnswer('alertmanager', `Alertmanager at ${base} did not answer`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) {
      throw new OutsideAnswer('alertmanager', `Alertmanager answered ${res.status}: ${text.trim().slice(0, 200)}`, {
        code: `http_${res.status}`,
      });
    }
    return text === '' ? undefined : JSON.parse(text);
  }
  return {
    async createSilence(s) {
      const body = await call('/api/v2/silences', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: s.matchers,
          startsAt: new Date().toISOString(),
          endsAt: s.endsAt.toISOString(),
          createdBy: s.createdBy,
          comment: s.comment,
        }),
      });
      return z.object({ silenceID: z.string().min(1) }).parse(body).silenceID;
    },
    async expireSilence(id) {
      await call(`/api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE' });
    },
    async alertGroups() {
      return alertGroupsSchema.parse(await call('/api/v2/alerts/groups?active=true&silenced=false&inhibited=false'));
    },
  };
}

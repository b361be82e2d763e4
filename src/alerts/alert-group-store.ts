import { z } from 'zod';
import type { StoreDb } from '../store/db.js';
import { alertGroupId, groupStatus, type KnownAlert, mergeAlerts } from './group-state.js';
import type { WebhookPayload } from './payload.js';

const labels = z.record(z.string(), z.string());
const knownAlert = z.object({
  fingerprint: z.string(),
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels,
  startsAt: z.string(),
  endsAt: z.string(),
  generatorURL: z.string(),
});

const groupRow = z.object({
  id: z.string(),
  group_key: z.string(),
  service: z.string().nullable(),
  environment: z.string().nullable(),
  channel_id: z.string(),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(knownAlert),
  common_labels: labels,
  group_labels: labels,
  external_url: z.string(),
  suggestions: z.array(z.string()),
  version: z.number(),
  shown_version: z.number(),
  message_ts: z.string().nullable(),
  firing_generation: z.number(),
  diagnosed_generation: z.number(),
  silence_id: z.string().nullable(),
  silenced_by: z.string().nullable(),
  silenced_until: z.date().nullable(),
  updated_at: z.date(),
});

/** An alert group as stored: the merged state of every notification any instance received for its group key. */
export type AlertGroup = z.infer<typeof groupRow>;

/** What a notification changed. */
export interface MergeOutcome {
  group: AlertGroup;
  /** What the message shows changed (a repeat or an HA copy changes nothing). */
  changed: boolean;
  /** It went from resolved to firing, or is new and firing: a new firing, diagnosed anew. */
  fired: boolean;
}

/** Where a new group's message goes, and what it suggests. */
export interface GroupPlacement {
  channelId: string;
  service?: string;
  environment?: string;
  suggestions: (alerts: readonly KnownAlert[]) => string[];
}

/** How long a claim to post a group's message holds before another instance may take it over. */
const postClaimSeconds = 60;

/**
 * Alert groups in the state store. A notification is merged under the row's lock, so any number of copies on any
 * number of instances converge on one state; posting and diagnosing are claimed with one conditional UPDATE each.
 */
export class AlertGroupStore {
  constructor(private readonly db: StoreDb) {}

  /** Merges a notification into its group (created on first sight). */
  async merge(payload: WebhookPayload, place: GroupPlacement): Promise<MergeOutcome> {
    const id = alertGroupId(payload.groupKey);
    return this.db.tx(async (client) => {
      await client.query(
        `INSERT INTO alert_groups (id, group_key, service, environment, channel_id, status, alerts, common_labels, group_labels, external_url, version, firing_generation)
         VALUES ($1, $2, $3, $4, $5, 'resolved', '[]', $6, $8, $7, 0, 0)
         ON CONFLICT (id) DO NOTHING`,
        [
          id,
          payload.groupKey,
          place.service ?? null,
          place.environment ?? null,
          place.channelId,
          JSON.stringify(payload.commonLabels),
          payload.externalURL,
          JSON.stringify(payload.groupLabels),
        ],
      );
      const res = await client.query('SELECT * FROM alert_groups WHERE id = $1 FOR UPDATE', [id]);
      const before = groupRow.parse(res.rows[0]);
      const alerts = mergeAlerts(before.alerts, payload.alerts);
      const status = groupStatus(alerts);
      const suggestions = place.suggestions(alerts);
      const changed =
        before.version === 0 ||
        JSON.stringify(alerts) !== JSON.stringify(before.alerts) ||
        JSON.stringify(suggestions) !== JSON.stringify(before.suggestions);
      const fired = status === 'firing' && (before.status === 'resolved' || before.version === 0);
      if (!changed) return { group: before, changed: false, fired: false };
      const updated = await client.query(
        `UPDATE alert_groups SET alerts = $2, status = $3, suggestions = $4, version = version + 1,
           firing_generation = firing_generation + $5, updated_at = now()
         WHERE id = $1 RETURNING *`,
        [id, JSON.stringify(alerts), status, JSON.stringify(suggestions), fired ? 1 : 0],
      );
      return { group: groupRow.parse(updated.rows[0]), changed: true, fired };
    });
  }

  /** The group, or undefined. */
  async get(id: string): Promise<AlertGroup | undefined> {
    const res = await this.db.pool.query('SELECT * FROM alert_groups WHERE id = $1', [id]);
    return res.rows[0] === undefined ? undefined : groupRow.parse(res.rows[0]);
  }

  /** Claims posting the group's first message; undefined when it has one or another instance is posting it. */
  async claimPost(id: string): Promise<AlertGroup | undefined> {
    const res = await this.db.pool.query(
      `UPDATE alert_groups SET post_claimed_at = now()
       WHERE id = $1 AND message_ts IS NULL
         AND (post_claimed_at IS NULL OR post_claimed_at < now() - make_interval(secs => $2))
       RETURNING *`,
      [id, postClaimSeconds],
    );
    return res.rows[0] === undefined ? undefined : groupRow.parse(res.rows[0]);
  }

  /** Gives a claim back after a failed post, so the next notification tries again. */
  async releasePost(id: string): Promise<void> {
    await this.db.pool.query('UPDATE alert_groups SET post_claimed_at = NULL WHERE id = $1 AND message_ts IS NULL', [
      id,
    ]);
  }

  /** Records the group's message; returns the group as it is now (it may have changed while posting). */
  async setMessage(id: string, ts: string): Promise<AlertGroup> {
    const res = await this.db.pool.query('UPDATE alert_groups SET message_ts = $2 WHERE id = $1 RETURNING *', [id, ts]);
    return groupRow.parse(res.rows[0]);
  }

  /**
   * Claims the diagnosis of the group's current firing: true for exactly one caller per firing, across every
   * instance and every repeat of the notification.
   */
  async claimDiagnosis(id: string): Promise<AlertGroup | undefined> {
    const res = await this.db.pool.query(
      `UPDATE alert_groups SET diagnosed_generation = firing_generation
       WHERE id = $1 AND status = 'firing' AND message_ts IS NOT NULL AND diagnosed_generation < firing_generation
       RETURNING *`,
      [id],
    );
    return res.rows[0] === undefined ? undefined : groupRow.parse(res.rows[0]);
  }

  /** Records that Slack shows `version` (or a newer one already). */
  async markShown(id: string, version: number): Promise<void> {
    await this.db.pool.query('UPDATE alert_groups SET shown_version = GREATEST(shown_version, $2) WHERE id = $1', [
      id,
      version,
    ]);
  }

  /**
   * Groups whose message is missing or behind, left so for `graceSeconds` (the instance that took the notification
   * should have delivered it by then): what a sweeper delivers after a crash or a Slack outage.
   */
  async behind(graceSeconds: number, limit = 20): Promise<AlertGroup[]> {
    const res = await this.db.pool.query(
      `SELECT * FROM alert_groups
       WHERE shown_version < version AND updated_at < now() - make_interval(secs => $1)
         AND (message_ts IS NOT NULL OR post_claimed_at IS NULL OR post_claimed_at < now() - make_interval(secs => $2))
       ORDER BY updated_at LIMIT $3`,
      [graceSeconds, postClaimSeconds, limit],
    );
    return res.rows.map((r) => groupRow.parse(r));
  }

  /** Records a silence made from Slack; the message shows it (a new version). */
  async setSilence(id: string, silence: { id: string; by: string; until: Date }): Promise<AlertGroup | undefined> {
    const res = await this.db.pool.query(
      `UPDATE alert_groups SET silence_id = $2, silenced_by = $3, silenced_until = $4, version = version + 1,
         updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, silence.id, silence.by, silence.until],
    );
    return res.rows[0] === undefined ? undefined : groupRow.parse(res.rows[0]);
  }

  /** Forgets the group's silence (expired from Slack); the message stops showing it. */
  async clearSilence(id: string, silenceId: string): Promise<AlertGroup | undefined> {
    const res = await this.db.pool.query(
      `UPDATE alert_groups SET silence_id = NULL, silenced_by = NULL, silenced_until = NULL, version = version + 1,
         updated_at = now()
       WHERE id = $1 AND silence_id = $2 RETURNING *`,
      [id, silenceId],
    );
    return res.rows[0] === undefined ? undefined : groupRow.parse(res.rows[0]);
  }

  /** Groups firing now, newest first. */
  async firing(limit = 50): Promise<AlertGroup[]> {
    const res = await this.db.pool.query(
      "SELECT * FROM alert_groups WHERE status = 'firing' ORDER BY updated_at DESC LIMIT $1",
      [limit],
    );
    return res.rows.map((r) => groupRow.parse(r));
  }
}

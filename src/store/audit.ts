import type { Queryable } from './db.js';
import { placeholders } from './runs.js';

/** One audit record: who did what, and whether policy allowed it. */
export interface AuditEvent {
  actor: string;
  action: string;
  decision: 'allow' | 'deny' | 'info';
  reason?: string;
  channelId?: string;
  service?: string;
  environment?: string;
  commandText?: string;
  runId?: string;
  requestId?: string;
  detail?: Record<string, unknown>;
}

/** The append-only audit log (a trigger refuses UPDATE and DELETE). */
export class AuditLog {
  constructor(private readonly q: Queryable) {}

  /** Appends one event. */
  async append(raw: AuditEvent): Promise<void> {
    await this.q.query(`INSERT INTO audit_events (${auditColumns}) VALUES (${placeholders(1, 11)})`, auditValues(raw));
  }
}

/** The columns of an audit record, in the order of {@link auditValues}. */
export const auditColumns =
  'actor, action, decision, reason, channel_id, service, environment, command_text, run_id, request_id, detail';

/** An audit record as a row: column name → value (detail as an object), NUL made safe. */
export function auditRecord(raw: AuditEvent): Record<string, unknown> {
  const e = withoutNul(raw);
  return {
    actor: e.actor,
    action: e.action,
    decision: e.decision,
    reason: e.reason ?? null,
    channel_id: e.channelId ?? null,
    service: e.service ?? null,
    environment: e.environment ?? null,
    command_text: e.commandText ?? null,
    run_id: e.runId ?? null,
    request_id: e.requestId ?? null,
    detail: e.detail ?? {},
  };
}

/** The values of an audit record, in the order of {@link auditColumns} (11 of them). */
export function auditValues(raw: AuditEvent): unknown[] {
  const row = auditRecord(raw);
  return auditColumns.split(', ').map((c) => (c === 'detail' ? JSON.stringify(row[c]) : row[c]));
}

/** The detail with every NUL (in keys or values, at any depth) made U+FFFD; the same object when it has none. */
function detailWithoutNul(detail: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(detail);
  return json.includes('\\u0000') ? JSON.parse(json.replace(/\\u0000/g, '\\ufffd')) : detail;
}

/** PostgreSQL text cannot hold NUL; a hostile command must still be audited, so NUL becomes U+FFFD. */
function withoutNul(e: AuditEvent): AuditEvent {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what has to go.
  const clean = (v: string | undefined) => v?.replace(/\u0000/g, '\uFFFD');
  return {
    ...e,
    actor: clean(e.actor) ?? '',
    action: clean(e.action) ?? '',
    reason: clean(e.reason),
    commandText: clean(e.commandText),
    channelId: clean(e.channelId),
    service: clean(e.service),
    environment: clean(e.environment),
    detail: e.detail === undefined ? undefined : detailWithoutNul(e.detail),
  };
}

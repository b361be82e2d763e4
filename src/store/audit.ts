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

/** The values of an audit record, in the order of {@link auditColumns} (11 of them). */
export function auditValues(raw: AuditEvent): unknown[] {
  const e = withoutNul(raw);
  return [
    e.actor,
    e.action,
    e.decision,
    e.reason ?? null,
    e.channelId ?? null,
    e.service ?? null,
    e.environment ?? null,
    e.commandText ?? null,
    e.runId ?? null,
    e.requestId ?? null,
    JSON.stringify(e.detail ?? {}),
  ];
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
    detail: e.detail === undefined ? undefined : JSON.parse(JSON.stringify(e.detail).replace(/\\u0000/g, '\\ufffd')),
  };
}

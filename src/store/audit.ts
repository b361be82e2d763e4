import type { Queryable } from './db.js';

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
    const e = withoutNul(raw);
    await this.q.query(
      `INSERT INTO audit_events (actor, action, decision, reason, channel_id, service, environment, command_text, run_id, request_id, detail)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [
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
      ],
    );
  }
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

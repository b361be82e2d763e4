-- Runs: one row per requested runbook execution. The id is also the BullMQ job id.
CREATE TABLE runs (
  id            text PRIMARY KEY,
  service       text NOT NULL,
  environment   text NOT NULL,
  runbook       text NOT NULL,
  params        jsonb NOT NULL DEFAULT '{}'::jsonb,
  risk          text NOT NULL CHECK (risk IN ('read', 'change', 'destructive')),
  status        text NOT NULL,
  requested_by  text NOT NULL,
  channel_id    text NOT NULL,
  request_id    text,
  message_ts    text,
  plan          jsonb,
  plan_hash     text,
  report        jsonb,
  error         text,
  error_id      text,
  attempts      integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX runs_created_at_idx ON runs (created_at DESC);
CREATE INDEX runs_runbook_idx ON runs (runbook, created_at DESC);
CREATE INDEX runs_requested_by_idx ON runs (requested_by, created_at DESC);

-- Step checkpoints: the worker records each step's start and end so a re-delivered job skips finished steps
-- and never repeats a destructive step that started but did not finish.
CREATE TABLE run_steps (
  run_id       text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  ordinal      integer NOT NULL,
  name         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  output       jsonb,
  error        text,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  PRIMARY KEY (run_id, name)
);

-- Audit: every command and every allow/deny decision. Append-only, enforced by a trigger.
CREATE TABLE audit_events (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL,
  action       text NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('allow', 'deny', 'info')),
  reason       text,
  channel_id   text,
  service      text,
  environment  text,
  command_text text,
  run_id       text,
  request_id   text,
  detail       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_at_idx ON audit_events (at DESC);
CREATE INDEX audit_events_run_idx ON audit_events (run_id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

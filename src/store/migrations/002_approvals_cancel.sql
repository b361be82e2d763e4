-- Approval requests of destructive runs. A request holds only for its plan (plan_hash).
CREATE TABLE approvals (
  id            text PRIMARY KEY,
  run_id        text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  plan          jsonb NOT NULL,
  plan_hash     text NOT NULL,
  requester     text NOT NULL,
  channel_id    text NOT NULL,
  message_ts    text,
  quorum        integer NOT NULL CHECK (quorum >= 1),
  status        text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'superseded')),
  reason        text,
  decided_by    text,
  decided_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE INDEX approvals_pending_idx ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_run_idx ON approvals (run_id, created_at DESC);

-- One row per distinct approver; a quorum counts rows.
CREATE TABLE approval_votes (
  approval_id  text NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
  approver     text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_id, approver)
);

-- Dry runs and cancellation.
ALTER TABLE runs ADD COLUMN dry_run boolean NOT NULL DEFAULT false;
ALTER TABLE runs ADD COLUMN cancel_requested_by text;
ALTER TABLE runs ADD COLUMN cancel_requested_at timestamptz;
-- Which delivery of the run the queue holds: a new job id per approval or retry, so BullMQ dedupes each once.
ALTER TABLE runs ADD COLUMN job_seq integer NOT NULL DEFAULT 0;

-- Delivery of an approval decision (approved, rejected, expired, superseded) to the request's message: set once
-- Slack accepted the update. A decided request without it is re-delivered by the same sweeper as run reports, so
-- the buttons never stay live on a request that was decided while Slack (or the process) was down.
ALTER TABLE approvals ADD COLUMN decision_reported_at timestamptz;
ALTER TABLE approvals ADD COLUMN decision_claimed_at timestamptz;
ALTER TABLE approvals ADD COLUMN decision_attempts integer NOT NULL DEFAULT 0;
-- Requests decided before this migration were delivered the old way; don't re-post them all on upgrade.
UPDATE approvals SET decision_reported_at = coalesce(decided_at, now()) WHERE status <> 'pending';
CREATE INDEX approvals_undelivered_idx ON approvals (decided_at)
  WHERE decision_reported_at IS NULL AND status <> 'pending' AND message_ts IS NOT NULL;

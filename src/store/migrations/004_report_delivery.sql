-- Delivery of a run's final message: set once Slack accepted it. A final run without it is re-delivered by a
-- sweeper (a crash between "run finished" and "report posted" must still post the report, once).
ALTER TABLE runs ADD COLUMN reported_at timestamptz;
ALTER TABLE runs ADD COLUMN report_claimed_at timestamptz;
ALTER TABLE runs ADD COLUMN report_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX runs_unreported_idx ON runs (finished_at) WHERE reported_at IS NULL AND finished_at IS NOT NULL;

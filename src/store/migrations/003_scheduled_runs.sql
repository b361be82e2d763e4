-- How a run reports: 'live' (a message updated in place), 'final' (only the report), 'quiet' (the report only when
-- something is warn or fail). Scheduled digests use final/quiet.
ALTER TABLE runs ADD COLUMN delivery text NOT NULL DEFAULT 'live' CHECK (delivery IN ('live', 'final', 'quiet'));
-- The schedule and tick a run came from; a tick makes at most one run.
ALTER TABLE runs ADD COLUMN schedule_name text;
ALTER TABLE runs ADD COLUMN scheduled_for timestamptz;
ALTER TABLE runs ADD COLUMN late boolean NOT NULL DEFAULT false;
-- Where a re-run came from.
ALTER TABLE runs ADD COLUMN rerun_of text;
CREATE UNIQUE INDEX runs_schedule_tick_idx ON runs (schedule_name, scheduled_for) WHERE schedule_name IS NOT NULL;

-- Alertmanager alert groups (one per groupKey): one Slack message each, updated in place. Every bot instance
-- merges what it receives into the row, so repeats and an HA pair's copies converge on one state and one message.
CREATE TABLE alert_groups (
  id text PRIMARY KEY,
  group_key text NOT NULL UNIQUE,
  service text,
  environment text,
  channel_id text NOT NULL,
  status text NOT NULL,
  alerts jsonb NOT NULL,
  common_labels jsonb NOT NULL,
  external_url text NOT NULL DEFAULT '',
  suggestions jsonb NOT NULL DEFAULT '[]',
  -- Bumped by every change of what the message shows; a sender re-reads it to know whether it showed the newest.
  version integer NOT NULL DEFAULT 1,
  -- The newest version Slack took; behind `version`, a sweeper delivers the rest (an instance died mid-way).
  shown_version integer NOT NULL DEFAULT 0,
  message_ts text,
  -- Whoever posts the message claims it first, so two instances never post one group twice.
  post_claimed_at timestamptz,
  -- Counts the times the group went from resolved to firing; diagnosis runs once per firing.
  firing_generation integer NOT NULL DEFAULT 1,
  diagnosed_generation integer NOT NULL DEFAULT 0,
  silence_id text,
  silenced_by text,
  silenced_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_groups_status_idx ON alert_groups (status, updated_at);

-- A run may report into a thread (an alert's diagnosis goes under the alert's message).
ALTER TABLE runs ADD COLUMN thread_ts text;

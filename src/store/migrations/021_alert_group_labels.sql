-- The labels Alertmanager grouped by: a silence made from Slack matches exactly these.
ALTER TABLE alert_groups ADD COLUMN group_labels jsonb NOT NULL DEFAULT '{}';

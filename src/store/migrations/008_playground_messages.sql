-- The playground's channel (zero-setup mode's stand-in for Slack), kept so a restart on the same data dir shows the
-- messages that were there, as the run history does. One row per message, replies included, edited in place by
-- chat.update; the playground keeps the newest 500 of a channel (keptMessagesPerChannel) and no ephemerals.
CREATE TABLE playground_messages (
  channel_id text NOT NULL,
  -- Slack's `seconds.micros`: the message's id in its channel, and (as a number) its order.
  ts text NOT NULL,
  message jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, ts)
);

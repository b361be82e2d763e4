-- One run per Slack request (the trigger_id of a slash command): a delivery that arrives twice (a Socket Mode
-- envelope redelivered after its ack was lost on a closing connection, a proxy retry) finds the run of the first.
-- Earlier duplicates keep their runs; only the oldest keeps the request id.
UPDATE runs r SET request_id = NULL
 WHERE request_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM runs o WHERE o.request_id = r.request_id AND (o.created_at, o.id) < (r.created_at, r.id));
CREATE UNIQUE INDEX runs_request_id_key ON runs (request_id) WHERE request_id IS NOT NULL;

-- A skipped step is a stored outcome with its reason, read by both the report and `run <id>`. Steps that skipped
-- before this were recorded as succeeded with the skip in their output ({skipped: true, reason} from restore,
-- {skipped: true} or {skipped: '<why>'} from backup verify); they are told apart here.
ALTER TABLE run_steps ADD COLUMN reason text;
UPDATE run_steps
   SET status = 'skipped',
       reason = CASE WHEN jsonb_typeof(output->'skipped') = 'string' THEN output->>'skipped' ELSE output->>'reason' END
 WHERE status = 'succeeded' AND jsonb_typeof(output) = 'object'
   AND (output->'skipped' = 'true'::jsonb OR jsonb_typeof(output->'skipped') = 'string');

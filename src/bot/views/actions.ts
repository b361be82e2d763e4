/** The action_ids of our buttons; listeners are registered for exactly these. */
export const actionIds = {
  approve: 'approval_approve',
  reject: 'approval_reject',
  cancel: 'run_cancel',
  retryStep: 'run_retry_step',
  abort: 'run_abort',
  rerun: 'run_rerun',
  rollback: 'run_rollback',
  scaleUp: 'run_scale_up',
  alertRunbook: 'alert_runbook',
  alertSilence: 'alert_silence',
  alertUnsilence: 'alert_unsilence',
} as const;

/** The callback_id of the modal that asks for a rejection reason. */
export const rejectModalCallbackId = 'approval_reject_reason';

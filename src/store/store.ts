import { AlertGroupStore } from '../alerts/alert-group-store.js';
import { ApprovalStore } from './approvals.js';
import { AuditLog } from './audit.js';
import type { StoreDb } from './db.js';
import { type RequestedRun, runRecorder } from './record-run.js';
import { RunStore } from './runs.js';
import { StepStore } from './steps.js';

/** The state store's repositories over one database. */
export interface Store {
  db: StoreDb;
  runs: RunStore;
  steps: StepStore;
  audit: AuditLog;
  approvals: ApprovalStore;
  /** Alertmanager's alert groups and their Slack messages. */
  alertGroups: AlertGroupStore;
  /** Records a requested run with its audit entry, batched with concurrent requests; false if its request had one. */
  recordRun: (item: RequestedRun) => Promise<boolean>;
}

/** Builds the repositories on a pool. */
export function createStore(db: StoreDb): Store {
  return {
    db,
    runs: new RunStore(db.pool),
    steps: new StepStore(db.pool),
    audit: new AuditLog(db.pool),
    approvals: new ApprovalStore(db),
    alertGroups: new AlertGroupStore(db),
    recordRun: runRecorder(db.pool),
  };
}

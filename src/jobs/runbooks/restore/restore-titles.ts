/** The restore's step names, in order. A mode skips the steps it does not need (and says so). */
export type RestoreStepName =
  | 'restore-side'
  | 'verify-side'
  | 'pre-restore-backup'
  | 'scale-down'
  | 'cutover'
  | 'scale-up'
  | 'verify';

/** The steps in order, as the run message lists them. */
export const restoreStepTitles: readonly { name: RestoreStepName; title: string }[] = [
  { name: 'restore-side', title: 'Restore beside production' },
  { name: 'verify-side', title: 'Verify the restored copy' },
  { name: 'pre-restore-backup', title: 'Pre-restore backup' },
  { name: 'scale-down', title: 'Scale down' },
  { name: 'cutover', title: 'Cutover' },
  { name: 'scale-up', title: 'Scale up' },
  { name: 'verify', title: 'Verify production' },
];

/** The annotation on the deployment that remembers the replicas a restore scaled it down from. */
export const replicasBeforeRestoreAnnotation = 'chatops.greenlang.io/replicas-before-restore';

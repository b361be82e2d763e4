/** The restore's step names, in order. */
export type RestoreStepName = 'scale-down' | 'pre-restore-backup' | 'restore' | 'verify' | 'scale-up';

/** The steps in order, as the run message lists them. */
export const restoreStepTitles: readonly { name: RestoreStepName; title: string }[] = [
  { name: 'scale-down', title: 'Scale down' },
  { name: 'pre-restore-backup', title: 'Pre-restore backup' },
  { name: 'restore', title: 'Restore' },
  { name: 'verify', title: 'Verify' },
  { name: 'scale-up', title: 'Scale up' },
];

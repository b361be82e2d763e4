import type { Runbook } from '../runbook.js';

/**
 * The guides' security work, for the registry: dependency and image scans, the security audit, secret and
 * certificate rotation, certificate renewal and the pod scripts the ops config declares.
 */
export const securityRunbooks: Runbook<unknown>[] = [];

import type { Runbook } from '../runbook.js';
import { certsRenewRunbook } from './security/certs-renew.js';
import { depsRunbook } from './security/deps.js';
import { rotateDbPasswordRunbook } from './security/rotate-db-password.js';
import { rotateInternalCertRunbook } from './security/rotate-internal-cert.js';
import { scanImageRunbook } from './security/scan-image.js';
import { scriptRunbook } from './security/script.js';
import { securityAuditRunbook } from './security/security-audit.js';

/**
 * The guides' security work, for the registry: dependency and image scans, the security audit, secret and
 * certificate rotation, certificate renewal and the pod scripts the ops config declares.
 */
export const securityRunbooks: Runbook<unknown>[] = [
  securityAuditRunbook,
  scanImageRunbook,
  rotateDbPasswordRunbook,
  rotateInternalCertRunbook,
  certsRenewRunbook,
  depsRunbook,
  scriptRunbook as Runbook<unknown>,
];

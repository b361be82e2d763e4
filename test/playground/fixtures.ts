import { createLogger } from '../../src/log.js';
import { type Playground, startPlayground } from '../../src/playground/server.js';

/** The people of a test playground: a viewer, an operator and two approvers. */
export const users = {
  viewer: { id: 'UVIEWER1', name: 'Vera Viewer', role: 'viewer' },
  operator: { id: 'UOPERATOR1', name: 'Otto Operator', role: 'operator' },
  approver: { id: 'UAPPROVER1', name: 'Ada Approver', role: 'approver' },
  approver2: { id: 'UAPPROVER2', name: 'Abe Approver', role: 'approver' },
} as const;

/** The channel of a test playground. */
export const channel = { id: 'COPS0001', name: 'ops' } as const;

/** Credentials of a test playground. */
export const secrets = { signingSecret: 'playground-test-secret', botToken: 'xoxb-playground-test' } as const;

/** A 1×1 transparent PNG. */
export const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Starts a playground on 127.0.0.1 with the test users and channel. */
export function startTestPlayground(
  overrides: { signingSecret?: string; botEventsUrl?: string; commands?: string[] } = {},
): Promise<Playground> {
  return startPlayground({
    port: 0,
    ...secrets,
    channel,
    users: Object.values(users),
    log: createLogger('silent'),
    ...overrides,
  });
}

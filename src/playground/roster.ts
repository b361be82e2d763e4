import type { OpsConfig, RoleName } from '../config/ops-config.js';
import type { PlaygroundUser } from './workspace.js';

/** Who and where the playground shows: its channel, its people, and the ops config that grants them their roles. */
export interface PlaygroundRoster {
  channel: { id: string; name: string };
  users: PlaygroundUser[];
  /** The ops config with any generated user added to the role they stand for. */
  config: OpsConfig;
}

/** The people a playground needs to try everything: a viewer, an operator, and two approvers for approvals. */
const slots: { role: RoleName; id: string; name: string }[] = [
  { role: 'viewer', id: 'UPLAYVIEW1', name: 'Vera Viewer' },
  { role: 'operator', id: 'UPLAYOPER1', name: 'Otto Operator' },
  { role: 'approver', id: 'UPLAYAPPR1', name: 'Ada Approver' },
  { role: 'approver', id: 'UPLAYAPPR2', name: 'Abe Approver' },
];

/** The channel the playground shows when the ops config allows any channel. */
export const playgroundChannel = { id: 'CPLAYOPS01', name: 'ops' };

/**
 * Picks the playground's people from the ops config: user ids listed under each role, in order. A role with too few
 * listed users (groups and "*" can't be impersonated) gets a generated person, who is added to that role in the
 * returned config so the bot really grants it. The channel is the first allowed one, or a generated one when any
 * channel is allowed.
 */
export function playgroundRoster(config: OpsConfig): PlaygroundRoster {
  const roles = {
    viewer: [...config.roles.viewer],
    operator: [...config.roles.operator],
    approver: [...config.roles.approver],
    admin: [...config.roles.admin],
  };
  const taken = new Set<string>();
  const users = slots.map((slot): PlaygroundUser => {
    const listed = config.roles[slot.role].find((member) => /^[UW][A-Z0-9]{2,}$/.test(member) && !taken.has(member));
    const id = listed ?? slot.id;
    taken.add(id);
    if (listed === undefined) roles[slot.role].push(id);
    const name = listed === undefined ? slot.name : `${slot.name.split(' ')[1]} ${listed}`;
    return { id, name, role: slot.role };
  });
  const allowed = config.channels.allowed.find((c) => c !== '*');
  const channel = allowed === undefined ? playgroundChannel : { id: allowed, name: 'ops' };
  return { channel, users, config: { ...config, roles } };
}

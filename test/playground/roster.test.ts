import { describe, expect, it } from 'vitest';
import { loadOpsConfig, parseOpsConfig } from '../../src/config/ops-config.js';
import { playgroundRoster } from '../../src/playground/roster.js';

const service = { command: '/thermaliq', displayName: 'GL-009 THERMALIQ', environments: { production: {} } };

describe('playgroundRoster', () => {
  it('generates a viewer, an operator and two approvers for the default ops config, and grants them their roles', () => {
    const config = loadOpsConfig('config/ops.yml', {});
    const roster = playgroundRoster(config);
    expect(roster.users.map((u) => u.role)).toEqual(['viewer', 'operator', 'approver', 'approver']);
    expect(new Set(roster.users.map((u) => u.id)).size).toBe(4);
    const [viewer, operator, approver, approver2] = roster.users.map((u) => u.id);
    expect(roster.config.roles.viewer).toContain(viewer);
    expect(roster.config.roles.operator).toEqual([operator]);
    expect(roster.config.roles.approver).toEqual([approver, approver2]);
    expect(roster.channel).toEqual({ id: expect.stringMatching(/^C/), name: 'ops' });
    // The config it was given is left alone.
    expect(config.roles.operator).toEqual([]);
  });

  it('uses the people and channel the ops config names, and generates only who is missing', () => {
    const config = parseOpsConfig({
      services: { thermaliq: service },
      roles: { viewer: ['SVIEWERS1', 'UVIEW0001'], operator: ['UOPS00001'], approver: ['UAPP00001'], admin: [] },
      channels: { allowed: ['COPS00001'] },
    });
    const roster = playgroundRoster(config);
    expect(roster.users.map((u) => [u.role, u.id])).toEqual([
      ['viewer', 'UVIEW0001'],
      ['operator', 'UOPS00001'],
      ['approver', 'UAPP00001'],
      ['approver', 'UPLAYAPPR2'],
    ]);
    expect(roster.config.roles.approver).toEqual(['UAPP00001', 'UPLAYAPPR2']);
    expect(roster.config.roles.viewer).toEqual(['SVIEWERS1', 'UVIEW0001']);
    expect(roster.channel.id).toBe('COPS00001');
  });
});

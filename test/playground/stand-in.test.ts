import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { playgroundBanner } from '../../src/playground/banner.js';
import { shouldStandInForSlack } from '../../src/playground/stand-in.js';

describe('when the playground stands in for Slack', () => {
  it('does with no Slack setting at all, in a process that runs the bot and the worker', () => {
    expect(shouldStandInForSlack(loadEnv({}))).toBe(true);
  });

  it('does not when any Slack setting is there, or the process is only a bot or a worker', () => {
    expect(shouldStandInForSlack(loadEnv({ SLACK_BOT_TOKEN: 'xoxb-1' }))).toBe(false);
    expect(shouldStandInForSlack(loadEnv({ SLACK_SIGNING_SECRET: 's' }))).toBe(false);
    expect(shouldStandInForSlack(loadEnv({ SLACK_APP_TOKEN: 'xapp-1' }))).toBe(false);
    expect(shouldStandInForSlack(loadEnv({ ROLE: 'worker' }))).toBe(false);
    expect(shouldStandInForSlack(loadEnv({ ROLE: 'bot' }))).toBe(false);
  });

  it('prints the URL and how to connect a real workspace', () => {
    const text = playgroundBanner('http://127.0.0.1:3001/');
    expect(text).toContain('http://127.0.0.1:3001/');
    expect(text).toContain('/thermaliq health');
    expect(text).toMatch(/SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET \(or SLACK_APP_TOKEN/);
    expect(text).toContain('manifest.yml');
  });
});

import type { Env } from '../config/env.js';

/**
 * Whether to stand the playground in for Slack: no Slack setting at all, in a process that runs the bot (ROLE=all,
 * so the worker posts through the same playground). Any Slack setting means someone is connecting a real
 * workspace, and a missing one is an error to report, not a reason to fall back.
 */
export function shouldStandInForSlack(
  env: Pick<Env, 'ROLE' | 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN'>,
): boolean {
  return env.ROLE === 'all' && !env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN;
}

/** What `npm start` prints when it started the playground because no Slack credentials were set. */
export function playgroundBanner(url: string, command = '/thermaliq'): string {
  return [
    '',
    'No Slack credentials are set, so the bot is running against the local Slack playground:',
    '',
    `    ${url}`,
    '',
    `Open it, pick a user at the left, and type \`${command} health\` (or \`${command} help\`).`,
    'To use a real workspace instead, create the app from manifest.yml at https://api.slack.com/apps, then set',
    'SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode) in .env and restart.',
    'See README.md, "Connect a real Slack workspace".',
    '',
  ].join('\n');
}

/**
 * A Slack message permalink built from the workspace's URL (auth.test's `url`, e.g. `https://acme.slack.com/`), the
 * channel and the message ts: Slack's own form, `/archives/<channel>/p<ts without its dot>`.
 */
export function messagePermalink(workspaceUrl: string, channel: string, ts: string): string {
  return `${workspaceUrl.replace(/\/+$/, '')}/archives/${channel}/p${ts.replace('.', '')}`;
}

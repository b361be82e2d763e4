import type { Json } from './channel.js';
import { userHandle } from './interaction-payloads.js';
import type { OpenModal } from './modals.js';
import { viewObject } from './slack-objects.js';
import type { PlaygroundUser, Workspace } from './workspace.js';

function common(ws: Workspace, user: PlaygroundUser): Record<string, Json> {
  const handle = userHandle(user);
  return {
    team: { id: ws.team.id, domain: ws.team.domain },
    user: { id: user.id, username: handle, name: handle, team_id: ws.team.id },
    api_app_id: ws.bot.appId,
    token: ws.verificationToken,
  };
}

/** A `view_submission` payload: the view with `state.values` as Slack reports them. */
export function viewSubmissionPayload(
  ws: Workspace,
  user: PlaygroundUser,
  modal: OpenModal,
  values: Record<string, Json>,
  triggerId: string,
): Record<string, Json> {
  return {
    type: 'view_submission',
    ...common(ws, user),
    trigger_id: triggerId,
    view: viewObject(ws, modal, values),
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A `view_closed` payload, sent only for views that asked for it with notify_on_close. */
export function viewClosedPayload(ws: Workspace, user: PlaygroundUser, modal: OpenModal): Record<string, Json> {
  return {
    type: 'view_closed',
    ...common(ws, user),
    view: viewObject(ws, modal),
    is_cleared: false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

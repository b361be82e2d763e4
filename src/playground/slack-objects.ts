import type { ChannelMessage, Json } from './channel.js';
import type { StoredFile } from './file-store.js';
import type { OpenModal } from './modals.js';
import type { PlaygroundUser, Workspace } from './workspace.js';

// Response objects shaped like Slack's, with the fields clients read (and a few they usually log).

/** auth.test's answer for the bot token. */
export function authTestResult(ws: Workspace): Record<string, Json> {
  return {
    url: `${ws.origin}/`,
    team: ws.team.name,
    user: ws.bot.name,
    team_id: ws.team.id,
    user_id: ws.bot.userId,
    bot_id: ws.bot.botId,
    is_enterprise_install: false,
  };
}

/** A users.info `user` object. */
export function userObject(ws: Workspace, user: PlaygroundUser): Record<string, Json> {
  const profile = {
    real_name: user.name,
    real_name_normalized: user.name,
    display_name: user.name,
    display_name_normalized: user.name,
    status_text: '',
    status_emoji: '',
    title: user.role,
    team: ws.team.id,
  };
  return {
    id: user.id,
    team_id: ws.team.id,
    name: user.name.toLowerCase().replace(/\s+/g, '.'),
    deleted: false,
    real_name: user.name,
    tz: 'Etc/UTC',
    tz_label: 'Coordinated Universal Time',
    tz_offset: 0,
    profile,
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: false,
    is_app_user: false,
    updated: 1_700_000_000,
  };
}

/** A conversations.info `channel` object for the playground's public channel. */
export function channelObject(ws: Workspace): Record<string, Json> {
  return {
    id: ws.channel.id,
    name: ws.channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: false,
    created: 1_700_000_000,
    is_archived: false,
    is_general: false,
    name_normalized: ws.channel.name,
    is_shared: false,
    is_org_shared: false,
    is_member: true,
    context_team_id: ws.team.id,
    creator: ws.users[0]?.id ?? ws.bot.userId,
    topic: { value: 'Runbooks on the local playground', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    num_members: ws.users.length + 1,
  };
}

/** A file object as files.completeUploadExternal and message `files` carry it. */
export function fileObject(ws: Workspace, file: StoredFile): Record<string, Json> {
  const url = `${ws.origin}/files/${file.id}/${encodeURIComponent(file.name)}`;
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    pretty_type: file.filetype.toUpperCase(),
    user: ws.bot.userId,
    user_team: ws.team.id,
    size: file.bytes.length,
    is_external: false,
    is_public: true,
    url_private: url,
    url_private_download: url,
    permalink: url,
  };
}

/** A view object as views.open and views.update return it, and as view_submission payloads carry it. */
export function viewObject(ws: Workspace, modal: OpenModal, values: Record<string, Json> = {}): Record<string, Json> {
  const v = modal.view;
  return {
    id: modal.id,
    team_id: ws.team.id,
    type: 'modal',
    blocks: modal.blocks,
    private_metadata: v.private_metadata ?? '',
    callback_id: v.callback_id ?? '',
    state: { values },
    hash: modal.hash,
    title: v.title,
    clear_on_close: v.clear_on_close ?? false,
    notify_on_close: v.notify_on_close ?? false,
    close: v.close ?? null,
    submit: v.submit ?? null,
    previous_view_id: null,
    root_view_id: modal.id,
    app_id: ws.bot.appId,
    external_id: v.external_id ?? '',
    app_installed_team_id: ws.team.id,
    bot_id: ws.bot.botId,
  };
}

/** A message object as chat.postMessage and chat.update return it, and as block_actions payloads carry it. */
export function messageObject(ws: Workspace, message: ChannelMessage): Record<string, Json> {
  const out: Record<string, Json> = {
    type: 'message',
    user: message.user,
    ts: message.ts,
    text: message.text,
    team: ws.team.id,
  };
  if (message.botId !== undefined) {
    out.bot_id = message.botId;
    out.app_id = ws.bot.appId;
    out.bot_profile = {
      id: ws.bot.botId,
      app_id: ws.bot.appId,
      name: ws.bot.name,
      deleted: false,
      team_id: ws.team.id,
    };
  }
  if (message.blocks !== undefined) out.blocks = message.blocks;
  if (message.threadTs !== undefined) out.thread_ts = message.threadTs;
  if (message.edited) out.edited = { user: message.user, ts: message.ts };
  const files = message.fileIds.flatMap((id) => {
    const file = ws.files.get(id);
    return file ? [fileObject(ws, file)] : [];
  });
  if (files.length > 0) out.files = files;
  return out;
}

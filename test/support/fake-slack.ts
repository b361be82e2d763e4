import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, sendText, startLocalHttpServer } from './local-http-server.js';
import { decodeSlackRequest, slackTokenOf } from './slack-request-body.js';

/** One request the fake received: a Web API method call, or a `response_url` post (method `response_url`). */
export interface SlackCall {
  /** Web API method name such as `chat.postMessage`, or `response_url`. */
  method: string;
  /** Decoded request fields; `blocks`/`attachments`/`files`/`metadata` JSON strings are parsed. */
  body: Record<string, unknown>;
  /** Bearer token from the Authorization header (or the `token` field). */
  token?: string;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** Whether the fake answered `ok: true` (false for injected failures and Slack-style errors). */
  ok: boolean;
  /** For `response_url` calls: the id in `/respond/<id>`. */
  responseUrlId?: string;
}

/** The current state of one message, after replaying posts, updates and deletes. */
export interface SlackMessageState {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  thread_ts?: string;
  /** True for `chat.postEphemeral` messages. */
  ephemeral: boolean;
  /** Recipient of an ephemeral message. */
  user?: string;
  /** How many `chat.update` calls changed this message. */
  updates: number;
}

/** A completed file upload (files.getUploadURLExternal → upload → files.completeUploadExternal). */
export interface SlackUpload {
  fileId: string;
  filename: string;
  title: string;
  channel_id?: string;
  thread_ts?: string;
  initial_comment?: string;
  bytes: Buffer;
}

/** An injected failure: a Slack `{ok:false,error}` reply, a non-200 status, or an HTTP 429 with `Retry-After`. */
export interface SlackFailure {
  /** HTTP status; defaults to 429 when `retryAfter` is set, else 200 (a normal Slack error reply). */
  status?: number;
  /** Slack error code; defaults to `ratelimited` for 429, else `fatal_error`. */
  error?: string;
  /** Seconds for the `Retry-After` header (implies status 429 unless `status` is given). */
  retryAfter?: number;
}

/** A user profile served by users.info. */
export interface SlackUserProfile {
  name: string;
  real_name: string;
  display_name: string;
  email?: string;
  is_bot?: boolean;
  deleted?: boolean;
  tz?: string;
}

/** A fake Slack Web API server on 127.0.0.1. */
export interface FakeSlack {
  /** Base for WebClient's `slackApiUrl`: `http://127.0.0.1:PORT/api/`. */
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly calls: SlackCall[];
  /** Team id the fake reports (`T0FAKE`). */
  readonly teamId: string;
  /** User id of the bot the fake reports from auth.test (`U0FAKEBOT`). */
  readonly botUserId: string;
  /** Calls of one method, in arrival order. */
  callsOf(method: string): SlackCall[];
  /** Resolves with the first existing or future call matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Current message state keyed by {@link slackMessageKey}(channel, ts). */
  messages(): Map<string, SlackMessageState>;
  /** Sets the members returned by usergroups.users.list for `groupId`. */
  setUsergroupMembers(groupId: string, userIds: string[]): void;
  /** Overrides the profile users.info returns for `userId` (otherwise one is derived from the id). */
  setUser(userId: string, profile: Partial<SlackUserProfile>): void;
  /** Sets the name conversations.info returns for `channelId` (otherwise derived from the id). */
  setChannel(channelId: string, info: { name: string; is_private?: boolean }): void;
  /** Makes the next `times` calls of `method` fail as described. */
  failNext(method: string, failure: SlackFailure, times?: number): void;
  /** Completed uploads, in completion order. */
  uploads(): SlackUpload[];
  /** A response_url on this fake: `http://127.0.0.1:PORT/respond/<id>`. */
  responseUrl(id: string): string;
  /**
   * Serves `apps.connections.open` (Socket Mode): a call with an app-level token (`xapp-…`) gets `{ok, url}` with the
   * URL `openUrl` returns; other tokens get `not_allowed_token_type`. Until this is called the method is unknown.
   */
  serveSocketMode(openUrl: (appToken: string) => string): void;
  /**
   * Enforces Slack's windows from now on: chat.postMessage (and file shares) one per second per channel, chat.update
   * one per second per message, answered with 429 and Retry-After like Slack. Calls that break a window, or come
   * before a Retry-After this fake gave has passed, are recorded in {@link FakeSlack.violations}.
   */
  enforceRateLimits(): void;
  /** Calls that broke an enforced window or came before their Retry-After passed, in arrival order. */
  violations(): SlackViolation[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** A call Slack would have refused for its rate: too close to the last one in its window, or before its Retry-After. */
export interface SlackViolation {
  method: string;
  scope: string;
  at: number;
  kind: 'window' | 'early';
  /** For `window`: ms since the last accepted call in the scope. For `early`: ms before the Retry-After passed. */
  ms: number;
}

/**
 * The violations that show a pacing fault rather than arrival jitter: a call before its Retry-After, or two calls of
 * one window under 900 ms apart. The outbox spaces calls 1,050 ms apart when it takes their turns; on a loaded
 * machine one request can reach the stand-in tens of ms later than the next, which Slack's edge would see too and
 * answer with a 429 the outbox honours. A pacing fault shows as a gap of a few hundred ms.
 */
export function pacingFaults(violations: readonly SlackViolation[]): SlackViolation[] {
  return violations.filter((v) => v.kind === 'early' || v.ms < 900);
}

/** The key {@link FakeSlack.messages} uses for a message. */
export function slackMessageKey(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

const TEAM_ID = 'T0FAKE';
const BOT_USER_ID = 'U0FAKEBOT';
const BOT_ID = 'B0FAKEBOT';
const APP_ID = 'A0FAKEAPP';

interface PendingUpload {
  fileId: string;
  filename: string;
  length: number;
  bytes?: Buffer;
}

interface Waiter {
  predicate: (call: SlackCall) => boolean;
  resolve: (call: SlackCall) => void;
}

type SlackReply = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function errorReply(error: string): SlackReply {
  return { status: 200, body: { ok: false, error } };
}

function okReply(body: Record<string, unknown>): SlackReply {
  return { status: 200, body: { ok: true, ...body } };
}

/** Starts a fake Slack Web API server on 127.0.0.1 with an ephemeral port. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const waiters = new Set<Waiter>();
  const failures = new Map<string, Array<{ failure: SlackFailure; remaining: number }>>();
  const usergroups = new Map<string, string[]>();
  const users = new Map<string, Partial<SlackUserProfile>>();
  const channels = new Map<string, { name: string; is_private?: boolean }>();
  const messages = new Map<string, SlackMessageState>();
  const pendingUploads = new Map<string, PendingUpload>();
  const completedUploads: SlackUpload[] = [];
  let lastTsMicros = 0;
  let fileCounter = 0;
  let viewCounter = 0;
  let origin = '';
  let socketModeUrl: ((appToken: string) => string) | undefined;
  let enforcing = false;
  const lastAccepted = new Map<string, number>();
  const retryUntil = new Map<string, number>();
  const violations: SlackViolation[] = [];

  function nextTs(): string {
    lastTsMicros = Math.max(Date.now() * 1000, lastTsMicros + 100);
    const seconds = Math.floor(lastTsMicros / 1_000_000);
    const micros = lastTsMicros % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }

  function record(call: SlackCall): void {
    calls.push(call);
    for (const waiter of waiters) {
      if (waiter.predicate(call)) {
        waiters.delete(waiter);
        waiter.resolve(call);
      }
    }
  }

  function takeFailure(method: string): SlackFailure | undefined {
    const queue = failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.failure;
  }

  function failureReply(failure: SlackFailure): SlackReply {
    const status = failure.status ?? (failure.retryAfter !== undefined ? 429 : 200);
    const error = failure.error ?? (status === 429 ? 'ratelimited' : 'fatal_error');
    const headers: Record<string, string> = {};
    if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
    return { status, body: { ok: false, error }, headers };
  }

  function botMessage(fields: Record<string, unknown>, ts: string): Record<string, unknown> {
    const message: Record<string, unknown> = {
      user: BOT_USER_ID,
      type: 'message',
      ts,
      bot_id: BOT_ID,
      app_id: APP_ID,
      text: str(fields.text) ?? '',
      team: TEAM_ID,
      bot_profile: { id: BOT_ID, app_id: APP_ID, name: 'runbook-bot', deleted: false, team_id: TEAM_ID },
    };
    if (fields.blocks !== undefined) message.blocks = fields.blocks;
    if (fields.attachments !== undefined) message.attachments = fields.attachments;
    const threadTs = str(fields.thread_ts);
    if (threadTs) message.thread_ts = threadTs;
    return message;
  }

  function hasContent(fields: Record<string, unknown>): boolean {
    const text = str(fields.text);
    return (text !== undefined && text !== '') || fields.blocks !== undefined || fields.attachments !== undefined;
  }

  function userObject(userId: string): Record<string, unknown> {
    const override = users.get(userId) ?? {};
    const name = override.name ?? userId.toLowerCase();
    const realName = override.real_name ?? `User ${userId}`;
    const displayName = override.display_name ?? name;
    const profile: Record<string, unknown> = {
      real_name: realName,
      real_name_normalized: realName,
      display_name: displayName,
      display_name_normalized: displayName,
      status_text: '',
      status_emoji: '',
      avatar_hash: 'g0000000000',
      image_48: 'https://a.slack-edge.invalid/avatar_48.png',
      team: TEAM_ID,
    };
    if (override.email !== undefined) profile.email = override.email;
    return {
      id: userId,
      team_id: TEAM_ID,
      name,
      deleted: override.deleted ?? false,
      color: '9f69e7',
      real_name: realName,
      tz: override.tz ?? 'Europe/London',
      tz_label: 'Greenwich Mean Time',
      tz_offset: 0,
      profile,
      is_admin: false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: override.is_bot ?? false,
      is_app_user: false,
      updated: 1_700_000_000,
    };
  }

  function channelObject(channelId: string): Record<string, unknown> {
    const info = channels.get(channelId);
    const name = info?.name ?? `channel-${channelId.toLowerCase()}`;
    return {
      id: channelId,
      name,
      is_channel: !(info?.is_private ?? false),
      is_group: info?.is_private ?? false,
      is_im: false,
      is_mpim: false,
      is_private: info?.is_private ?? false,
      created: 1_700_000_000,
      is_archived: false,
      is_general: false,
      unlinked: 0,
      name_normalized: name,
      is_shared: false,
      is_org_shared: false,
      is_member: true,
      context_team_id: TEAM_ID,
      creator: 'U0CREATOR',
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      previous_names: [],
    };
  }

  function handleMethod(method: string, fields: Record<string, unknown>, token: string | undefined): SlackReply {
    if (token === undefined) return errorReply('not_authed');
    switch (method) {
      case 'auth.test':
        return okReply({
          url: 'https://fake-team.slack.invalid/',
          team: 'Fake Team',
          user: 'runbook-bot',
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: BOT_ID,
          is_enterprise_install: false,
        });
      case 'chat.postMessage': {
        const channel = str(fields.channel);
        if (!channel) return errorReply('channel_not_found');
        if (!hasContent(fields)) return errorReply('no_text');
        const ts = nextTs();
        const state: SlackMessageState = { channel, ts, ephemeral: false, updates: 0 };
        const text = str(fields.text);
        if (text !== undefined) state.text = text;
        if (fields.blocks !== undefined) state.blocks = fields.blocks;
        if (fields.attachments !== undefined) state.attachments = fields.attachments;
        const threadTs = str(fields.thread_ts);
        if (threadTs) state.thread_ts = threadTs;
        messages.set(slackMessageKey(channel, ts), state);
        return okReply({ channel, ts, message: botMessage(fields, ts) });
      }
      case 'chat.update': {
        const channel = str(fields.channel);
        const ts = str(fields.ts);
        if (!channel) return errorReply('channel_not_found');
        const existing = ts ? messages.get(slackMessageKey(channel, ts)) : undefined;
        if (!ts || !existing || existing.ephemeral) return errorReply('message_not_found');
        if (!hasContent(fields)) return errorReply('no_text');
        const text = str(fields.text);
        if (text !== undefined) existing.text = text;
        if (fields.blocks !== undefined) existing.blocks = fields.blocks;
        if (fields.attachments !== undefined) existing.attachments = fields.attachments;
        existing.updates += 1;
        const message = botMessage({ ...fields, text: existing.text, thread_ts: existing.thread_ts }, ts);
        return okReply({ channel, ts, text: existing.text ?? '', message });
      }
      case 'chat.postEphemeral': {
        const channel = str(fields.channel);
        const user = str(fields.user);
        if (!channel) return errorReply('channel_not_found');
        if (!user) return errorReply('user_not_in_channel');
        if (!hasContent(fields)) return errorReply('no_text');
        const ts = nextTs();
        const state: SlackMessageState = { channel, ts, ephemeral: true, user, updates: 0 };
        const text = str(fields.text);
        if (text !== undefined) state.text = text;
        if (fields.blocks !== undefined) state.blocks = fields.blocks;
        if (fields.attachments !== undefined) state.attachments = fields.attachments;
        const threadTs = str(fields.thread_ts);
        if (threadTs) state.thread_ts = threadTs;
        messages.set(slackMessageKey(channel, ts), state);
        return okReply({ message_ts: ts });
      }
      case 'chat.delete': {
        const channel = str(fields.channel);
        const ts = str(fields.ts);
        if (!channel) return errorReply('channel_not_found');
        const key = ts ? slackMessageKey(channel, ts) : '';
        const existing = messages.get(key);
        if (!existing || existing.ephemeral) return errorReply('message_not_found');
        messages.delete(key);
        return okReply({ channel, ts });
      }
      case 'usergroups.users.list': {
        const group = str(fields.usergroup);
        const members = group ? usergroups.get(group) : undefined;
        if (!members) return errorReply('no_such_subteam');
        return okReply({ users: [...members] });
      }
      case 'users.info': {
        const user = str(fields.user);
        if (!user || !/^[UW][A-Z0-9]+$/.test(user)) return errorReply('user_not_found');
        return okReply({ user: userObject(user) });
      }
      case 'views.open': {
        // trigger_id is single use in Slack; the fake accepts any non-empty one and echoes the view back.
        if (!str(fields.trigger_id)) return errorReply('invalid_trigger_id');
        const view = fields.view;
        if (typeof view !== 'object' || view === null) return errorReply('invalid_arguments');
        viewCounter += 1;
        return okReply({ view: { ...view, id: `V${String(viewCounter).padStart(10, '0')}`, team_id: TEAM_ID } });
      }
      case 'conversations.info': {
        const channel = str(fields.channel);
        if (!channel || !/^[CGD][A-Z0-9]+$/.test(channel)) return errorReply('channel_not_found');
        return okReply({ channel: channelObject(channel) });
      }
      case 'files.getUploadURLExternal': {
        const filename = str(fields.filename);
        const length = Number(str(fields.length));
        if (!filename || !Number.isFinite(length) || length < 0) return errorReply('invalid_arguments');
        fileCounter += 1;
        const fileId = `F${String(fileCounter).padStart(10, '0')}`;
        pendingUploads.set(fileId, { fileId, filename, length });
        return okReply({ upload_url: `${origin}/upload/${fileId}`, file_id: fileId });
      }
      case 'files.completeUploadExternal': {
        const files: unknown = fields.files;
        if (!Array.isArray(files) || files.length === 0) return errorReply('invalid_arguments');
        const list: unknown[] = files;
        const completed: Record<string, unknown>[] = [];
        const entries: SlackUpload[] = [];
        for (const entry of list) {
          const id = typeof entry === 'object' && entry !== null && 'id' in entry ? str(entry.id) : undefined;
          const pending = id ? pendingUploads.get(id) : undefined;
          if (!pending) return errorReply('file_not_found');
          const title =
            typeof entry === 'object' && entry !== null && 'title' in entry
              ? (str(entry.title) ?? pending.filename)
              : pending.filename;
          const upload: SlackUpload = {
            fileId: pending.fileId,
            filename: pending.filename,
            title,
            bytes: pending.bytes ?? Buffer.alloc(0),
          };
          const channelId = str(fields.channel_id);
          const threadTs = str(fields.thread_ts);
          const comment = str(fields.initial_comment);
          if (channelId) upload.channel_id = channelId;
          if (threadTs) upload.thread_ts = threadTs;
          if (comment !== undefined) upload.initial_comment = comment;
          entries.push(upload);
          completed.push({
            id: pending.fileId,
            created: Math.floor(Date.now() / 1000),
            timestamp: Math.floor(Date.now() / 1000),
            name: pending.filename,
            title,
            mimetype: '',
            filetype: '',
            user: BOT_USER_ID,
            user_team: TEAM_ID,
            size: upload.bytes.length,
            is_external: false,
            url_private: `https://files.slack.invalid/files-pri/${TEAM_ID}-${pending.fileId}/${pending.filename}`,
            permalink: `https://fake-team.slack.invalid/files/${BOT_USER_ID}/${pending.fileId}/${pending.filename}`,
          });
        }
        for (const upload of entries) pendingUploads.delete(upload.fileId);
        completedUploads.push(...entries);
        return okReply({ files: completed });
      }
      case 'apps.connections.open':
        if (!socketModeUrl) return errorReply('unknown_method');
        if (!token.startsWith('xapp-')) return errorReply('not_allowed_token_type');
        return okReply({ url: socketModeUrl(token) });
      default:
        return errorReply('unknown_method');
    }
  }

  /** The window a method's call falls in (per channel for posts, per message for updates), or none. */
  function windowOf(method: string, fields: Record<string, unknown>): string | undefined {
    const channel = str(fields.channel) ?? str(fields.channel_id) ?? '';
    if (method === 'chat.postMessage' || method === 'files.completeUploadExternal') return `post:${channel}`;
    if (method === 'chat.update') return `update:${channel}/${str(fields.ts) ?? ''}`;
    return undefined;
  }

  /** Slack's answer to a call that breaks its rate limits, recording why; undefined when it may go through. */
  function rateCheck(method: string, fields: Record<string, unknown>, now: number): SlackFailure | undefined {
    const channel = str(fields.channel) ?? str(fields.channel_id) ?? '';
    if (!enforcing) return undefined;
    const until = Math.max(retryUntil.get(`${method}:${channel}`) ?? 0, retryUntil.get(method) ?? 0);
    if (until > now) {
      violations.push({ method, scope: `${method}:${channel}`, at: now, kind: 'early', ms: until - now });
      return { retryAfter: Math.ceil((until - now) / 1000) };
    }
    const scope = windowOf(method, fields);
    if (!scope) return undefined;
    const last = lastAccepted.get(scope);
    if (last !== undefined && now - last < 1000) {
      violations.push({ method, scope, at: now, kind: 'window', ms: now - last });
      retryUntil.set(`${method}:${channel}`, last + 1000);
      return { retryAfter: 1 };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // When the request arrived, before its body is read: what Slack's windows measure.
    const arrived = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (apiMatch?.[1]) {
      const method = apiMatch[1];
      const decoded = await decodeSlackRequest(req, url);
      const token = slackTokenOf(req, decoded.fields);
      const now = arrived;
      const failure = rateCheck(method, decoded.fields, now) ?? takeFailure(method);
      if (failure?.retryAfter !== undefined) {
        // A Retry-After this fake gives binds the method in that channel: a call before it passes is a violation.
        const channel = str(decoded.fields.channel) ?? str(decoded.fields.channel_id) ?? '';
        const key = `${method}:${channel}`;
        retryUntil.set(key, Math.max(retryUntil.get(key) ?? 0, now + failure.retryAfter * 1000));
      }
      const reply = failure ? failureReply(failure) : handleMethod(method, decoded.fields, token);
      // Only a call Slack took counts in its window.
      const window = enforcing && reply.body.ok === true ? windowOf(method, decoded.fields) : undefined;
      if (window) lastAccepted.set(window, now);
      const call: SlackCall = { method, body: decoded.fields, at: now, ok: reply.body.ok === true };
      if (token !== undefined) call.token = token;
      record(call);
      sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    const uploadMatch = /^\/upload\/([A-Za-z0-9]+)$/.exec(url.pathname);
    if (uploadMatch?.[1] && req.method === 'POST') {
      const pending = pendingUploads.get(uploadMatch[1]);
      const decoded = await decodeSlackRequest(req, url);
      if (!pending) {
        sendText(res, 404, 'file not found');
        return;
      }
      const [firstFile] = decoded.files.values();
      pending.bytes = firstFile ? firstFile.bytes : decoded.raw;
      sendText(res, 200, `OK - ${pending.bytes.length}`);
      return;
    }
    const respondMatch = /^\/respond\/([^/]+)$/.exec(url.pathname);
    if (respondMatch?.[1] && req.method === 'POST') {
      const decoded = await decodeSlackRequest(req, url);
      if (Object.keys(decoded.fields).length === 0 && decoded.raw.length > 0) {
        const parsed: unknown = JSON.parse(decoded.raw.toString('utf8'));
        if (typeof parsed === 'object' && parsed !== null) Object.assign(decoded.fields, parsed);
      }
      record({
        method: 'response_url',
        body: decoded.fields,
        at: Date.now(),
        ok: true,
        responseUrlId: decodeURIComponent(respondMatch[1]),
      });
      sendJson(res, 200, { ok: true });
      return;
    }
    sendText(res, 404, 'not found');
  }

  const server = await startLocalHttpServer(handle);
  origin = server.origin;

  return {
    url: `${origin}/api/`,
    calls,
    teamId: TEAM_ID,
    botUserId: BOT_USER_ID,
    callsOf: (method) => calls.filter((c) => c.method === method),
    waitFor(predicate, timeoutMs = 5000) {
      const existing = calls.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise<SlackCall>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve: (call) => {
            clearTimeout(timer);
            resolve(call);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const counts = new Map<string, number>();
          for (const c of calls) counts.set(c.method, (counts.get(c.method) ?? 0) + 1);
          const seen = [...counts].map(([m, n]) => `${m}×${n}`).join(', ') || 'none';
          reject(new Error(`FakeSlack.waitFor: no matching call within ${timeoutMs}ms; methods seen: ${seen}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    messages() {
      const copy = new Map<string, SlackMessageState>();
      for (const [key, state] of messages) copy.set(key, structuredClone(state));
      return copy;
    },
    setUsergroupMembers(groupId, userIds) {
      usergroups.set(groupId, [...userIds]);
    },
    setUser(userId, profile) {
      users.set(userId, { ...users.get(userId), ...profile });
    },
    setChannel(channelId, info) {
      channels.set(channelId, { ...info });
    },
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      queue.push({ failure, remaining: times });
      failures.set(method, queue);
    },
    uploads: () => completedUploads.map((u) => ({ ...u, bytes: Buffer.from(u.bytes) })),
    responseUrl: (id) => `${origin}/respond/${encodeURIComponent(id)}`,
    serveSocketMode(openUrl) {
      socketModeUrl = openUrl;
    },
    enforceRateLimits() {
      enforcing = true;
    },
    violations: () => violations.map((v) => ({ ...v })),
    close: () => server.close(),
  };
}

import { createHmac } from 'node:crypto';

/** Headers Slack sends with a signed request. */
export interface SlackSignedHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type': string;
  [header: string]: string;
}

/** Signs `body` the way Slack does: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` keyed by the signing secret. */
export function signSlackRequest(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): SlackSignedHeaders {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'x-slack-signature': `v0=${signature}`,
    'x-slack-request-timestamp': String(timestamp),
    'content-type': 'application/x-www-form-urlencoded',
  };
}

/** Fields of a slash command invocation; omitted ones get Slack-like defaults. */
export interface SlashCommandInput {
  command: string;
  text: string;
  user_id: string;
  channel_id: string;
  team_id?: string;
  team_domain?: string;
  channel_name?: string;
  user_name?: string;
  api_app_id?: string;
  /** Defaults to a loopback URL nothing listens on; pass `fakeSlack.responseUrl(id)` to capture replies. */
  response_url?: string;
  trigger_id?: string;
  /** The deprecated verification token; defaults to a fixed fake value. */
  token?: string;
}

/** Default team id used in generated payloads. */
export const FAKE_TEAM_ID = 'T0FAKE';
/** Default app id used in generated payloads. */
export const FAKE_APP_ID = 'A0FAKEAPP';
/** Default verification token used in generated payloads. */
export const FAKE_VERIFICATION_TOKEN = 'fake-verification-token';

let triggerCounter = 0;

/** A Slack-shaped `trigger_id` (`<digits>.<digits>.<hex>`), unique per call. */
export function fakeTriggerId(): string {
  triggerCounter += 1;
  return `${Date.now()}${triggerCounter}.${1_000_000 + triggerCounter}.${'0123456789abcdef'.repeat(2)}`;
}

/** The exact form-urlencoded body Slack POSTs for a slash command, fields in Slack's order. */
export function slashCommandBody(input: SlashCommandInput): string {
  const teamId = input.team_id ?? FAKE_TEAM_ID;
  return new URLSearchParams([
    ['token', input.token ?? FAKE_VERIFICATION_TOKEN],
    ['team_id', teamId],
    ['team_domain', input.team_domain ?? 'fake-team'],
    ['channel_id', input.channel_id],
    ['channel_name', input.channel_name ?? `channel-${input.channel_id.toLowerCase()}`],
    ['user_id', input.user_id],
    ['user_name', input.user_name ?? input.user_id.toLowerCase()],
    ['command', input.command],
    ['text', input.text],
    ['api_app_id', input.api_app_id ?? FAKE_APP_ID],
    ['is_enterprise_install', 'false'],
    ['response_url', input.response_url ?? `http://127.0.0.1:1/commands/${teamId}/1/unset`],
    ['trigger_id', input.trigger_id ?? fakeTriggerId()],
  ]).toString();
}

/** Fields of a button click (`block_actions` interaction); omitted ones get Slack-like defaults. */
export interface BlockActionInput {
  action_id: string;
  value: string;
  user_id: string;
  channel_id: string;
  /** ts of the message holding the button. */
  message_ts: string;
  block_id?: string;
  /** Button label. */
  button_text?: string;
  user_name?: string;
  channel_name?: string;
  team_id?: string;
  api_app_id?: string;
  /** Defaults to a loopback URL nothing listens on; pass `fakeSlack.responseUrl(id)` to capture replies. */
  response_url?: string;
  trigger_id?: string;
  is_ephemeral?: boolean;
  /** The message that holds the button (omitted for ephemeral containers, as Slack does). */
  message?: { text?: string; blocks?: unknown[]; thread_ts?: string };
  /** `state.values` of input blocks in the message. */
  state_values?: Record<string, unknown>;
}

/** A faithful `block_actions` payload object for a button click. */
export function blockActionPayload(input: BlockActionInput): Record<string, unknown> {
  const teamId = input.team_id ?? FAKE_TEAM_ID;
  const userName = input.user_name ?? input.user_id.toLowerCase();
  const isEphemeral = input.is_ephemeral ?? false;
  const actionTs = (Date.now() / 1000).toFixed(6);
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: { id: input.user_id, username: userName, name: userName, team_id: teamId },
    api_app_id: input.api_app_id ?? FAKE_APP_ID,
    token: FAKE_VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: input.message_ts,
      channel_id: input.channel_id,
      is_ephemeral: isEphemeral,
    },
    trigger_id: input.trigger_id ?? fakeTriggerId(),
    team: { id: teamId, domain: 'fake-team' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel_id, name: input.channel_name ?? `channel-${input.channel_id.toLowerCase()}` },
  };
  if (!isEphemeral) {
    const message: Record<string, unknown> = {
      user: 'U0FAKEBOT',
      type: 'message',
      ts: input.message_ts,
      bot_id: 'B0FAKEBOT',
      app_id: input.api_app_id ?? FAKE_APP_ID,
      text: input.message?.text ?? '',
      team: teamId,
      blocks: input.message?.blocks ?? [],
    };
    if (input.message?.thread_ts !== undefined) message.thread_ts = input.message.thread_ts;
    payload.message = message;
  }
  payload.state = { values: input.state_values ?? {} };
  payload.response_url = input.response_url ?? `http://127.0.0.1:1/actions/${teamId}/1/unset`;
  payload.actions = [
    {
      action_id: input.action_id,
      block_id: input.block_id ?? 'actions',
      text: { type: 'plain_text', text: input.button_text ?? input.action_id, emoji: true },
      value: input.value,
      type: 'button',
      action_ts: actionTs,
    },
  ];
  return payload;
}

/** The form body Slack POSTs for a button click: `payload=<urlencoded JSON>`. */
export function blockActionBody(input: BlockActionInput): string {
  return new URLSearchParams([['payload', JSON.stringify(blockActionPayload(input))]]).toString();
}

/** The outcome of {@link postSigned}. */
export interface SignedPostResult {
  status: number;
  text: string;
  /** The parsed body when it is JSON. */
  json?: unknown;
}

/** POSTs `body` to `url` with valid Slack signature headers (optionally for a given `timestamp`). */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  options: { timestamp?: number; headers?: Record<string, string> } = {},
): Promise<SignedPostResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...signSlackRequest(secret, body, options.timestamp), ...options.headers },
    body,
  });
  const text = await response.text();
  const result: SignedPostResult = { status: response.status, text };
  try {
    result.json = JSON.parse(text);
  } catch {
    // Not JSON (e.g. an empty ack); `text` has the body.
  }
  return result;
}

/** Fields of a modal submission (`view_submission` interaction). */
export interface ViewSubmissionInput {
  user_id: string;
  callback_id: string;
  private_metadata?: string;
  /** `state.values`: block_id → action_id → { type, value }. */
  state_values?: Record<string, Record<string, { type: string; value: string | null }>>;
  team_id?: string;
}

/** The form body Slack POSTs when a modal is submitted: `payload=<urlencoded JSON>`. */
export function viewSubmissionBody(input: ViewSubmissionInput): string {
  const teamId = input.team_id ?? FAKE_TEAM_ID;
  const payload = {
    type: 'view_submission',
    team: { id: teamId, domain: 'fake-team' },
    user: {
      id: input.user_id,
      username: input.user_id.toLowerCase(),
      name: input.user_id.toLowerCase(),
      team_id: teamId,
    },
    api_app_id: FAKE_APP_ID,
    token: FAKE_VERIFICATION_TOKEN,
    trigger_id: fakeTriggerId(),
    view: {
      id: 'V0FAKEVIEW1',
      team_id: teamId,
      type: 'modal',
      callback_id: input.callback_id,
      private_metadata: input.private_metadata ?? '',
      hash: '1700000000.fakehash',
      state: { values: input.state_values ?? {} },
      app_id: FAKE_APP_ID,
      bot_id: 'B0FAKEBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams([['payload', JSON.stringify(payload)]]).toString();
}

/**
 * The form body Slack POSTs when a modal opened with `notify_on_close` is closed without submitting (Cancel, ×,
 * Esc): a `view_closed` interaction carrying the view, and no trigger_id.
 */
export function viewClosedBody(input: Omit<ViewSubmissionInput, 'state_values'>): string {
  const teamId = input.team_id ?? FAKE_TEAM_ID;
  const payload = {
    type: 'view_closed',
    team: { id: teamId, domain: 'fake-team' },
    user: {
      id: input.user_id,
      username: input.user_id.toLowerCase(),
      name: input.user_id.toLowerCase(),
      team_id: teamId,
    },
    api_app_id: FAKE_APP_ID,
    token: FAKE_VERIFICATION_TOKEN,
    view: {
      id: 'V0FAKEVIEW1',
      team_id: teamId,
      type: 'modal',
      callback_id: input.callback_id,
      private_metadata: input.private_metadata ?? '',
      hash: '1700000000.fakehash',
      state: { values: {} },
      notify_on_close: true,
      app_id: FAKE_APP_ID,
      bot_id: 'B0FAKEBOT',
    },
    is_cleared: false,
    is_enterprise_install: false,
    enterprise: null,
  };
  return new URLSearchParams([['payload', JSON.stringify(payload)]]).toString();
}

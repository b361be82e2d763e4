import { statusEmoji } from '../../src/bot/views/status-emoji.js';
import type { RenderContext } from '../../src/playground/render-blocks.js';

/** Names for mentions and where files are served, as a playground would give them. */
export const ctx: RenderContext = {
  userName: (id) => ({ UVIEWER1: 'Vera Viewer', UAPPROVER1: 'Ada Approver' })[id],
  channelName: (id) => (id === 'COPS0001' ? 'ops' : undefined),
  fileUrl: (id) => `/files/${id}`,
};

/** A button element with a predictable action_id. */
export const button = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: `act_${text.toLowerCase()}`,
  text: { type: 'plain_text', text },
  ...extra,
});

const statuses: Parameters<typeof statusEmoji>[0][] = [
  'ok',
  'warn',
  'fail',
  'error',
  'skipped',
  'pending',
  'running',
  'succeeded',
  'failed',
];

/** One golden case per block type, plus mrkdwn and hostile input. */
export const cases: Record<string, unknown[]> = {
  header: [
    {
      type: 'header',
      block_id: 'h1',
      text: { type: 'plain_text', text: ':white_check_mark: health · GL-009 <THERMALIQ> & co', emoji: true },
    },
  ],
  'section-text': [
    {
      type: 'section',
      block_id: 's1',
      text: { type: 'mrkdwn', text: '*Pods* — 2/2 ready (`2`, threshold 0 restarts)' },
    },
    { type: 'section', text: { type: 'plain_text', text: 'Plain *not bold* :rocket:\nsecond line' } },
    { type: 'section', text: { type: 'plain_text', text: 'No emoji :rocket:', emoji: false } },
  ],
  'section-fields': [
    {
      type: 'section',
      block_id: 'f1',
      fields: [
        { type: 'mrkdwn', text: '*Service*\nGL-009 THERMALIQ' },
        { type: 'mrkdwn', text: '*Environment*\nproduction' },
        { type: 'plain_text', text: 'Requested by' },
        { type: 'mrkdwn', text: '<@UVIEWER1>' },
      ],
    },
  ],
  'section-accessory': [
    {
      type: 'section',
      block_id: 'acc1',
      text: { type: 'mrkdwn', text: 'Backup `thermaliq-2026-11-02.sql.gz` is 3 h old.' },
      accessory: button('Restore', { value: 'backup-1', style: 'danger' }),
    },
    {
      type: 'section',
      block_id: 'acc2',
      text: { type: 'mrkdwn', text: 'With an image' },
      accessory: { type: 'image', image_url: 'https://example.test/chart.png', alt_text: 'latency chart' },
    },
    {
      type: 'section',
      block_id: 'acc3',
      text: { type: 'mrkdwn', text: 'With a menu' },
      accessory: { type: 'static_select', action_id: 'pick', options: [] },
    },
  ],
  context: [
    {
      type: 'context',
      block_id: 'c1',
      elements: [
        { type: 'mrkdwn', text: 'Requested by <@UVIEWER1> · run `r-0a1b2c` · 12/12 done' },
        { type: 'image', image_url: 'https://example.test/icon.png', alt_text: 'icon' },
        { type: 'plain_text', text: 'plain :warning:' },
      ],
    },
  ],
  divider: [{ type: 'divider', block_id: 'd1' }],
  actions: [
    {
      type: 'actions',
      block_id: 'approval',
      elements: [
        button('Approve', {
          value: 'ap-1',
          style: 'primary',
          confirm: {
            title: { type: 'plain_text', text: 'Restore production?' },
            text: { type: 'mrkdwn', text: 'This *replaces* the `thermaliq` database.' },
            confirm: { type: 'plain_text', text: 'Restore' },
            deny: { type: 'plain_text', text: 'Cancel' },
            style: 'danger',
          },
        }),
        button('Reject', { value: 'ap-1', style: 'danger' }),
        button('Details', { url: 'https://example.test/runs/1' }),
        { type: 'overflow', action_id: 'more', options: [] },
      ],
    },
  ],
  image: [
    {
      type: 'image',
      block_id: 'i1',
      image_url: 'https://example.test/p95.png',
      alt_text: 'p95 latency, 7 days',
      title: { type: 'plain_text', text: 'p95 latency' },
    },
    { type: 'image', block_id: 'i2', slack_file: { id: 'F0CHART1' }, alt_text: 'uploaded chart' },
    { type: 'image', block_id: 'i3', image_url: 'javascript:alert(1)', alt_text: 'refused scheme' },
  ],
  input: [
    {
      type: 'input',
      block_id: 'reason',
      optional: true,
      label: { type: 'plain_text', text: 'Reason (shown in the channel)' },
      element: {
        type: 'plain_text_input',
        action_id: 'reason',
        multiline: true,
        max_length: 500,
        placeholder: { type: 'plain_text', text: 'Why?' },
      },
      hint: { type: 'plain_text', text: 'Approvers see it too' },
    },
    {
      type: 'input',
      block_id: 'ticket',
      label: { type: 'plain_text', text: 'Ticket' },
      element: { type: 'plain_text_input', action_id: 'id', initial_value: 'OPS-1 "quoted" <b>' },
    },
    {
      type: 'input',
      block_id: 'when',
      label: { type: 'plain_text', text: 'When' },
      element: { type: 'datepicker', action_id: 'd' },
    },
  ],
  unsupported: [{ type: 'rich_text', elements: [] }, { type: 'section' }, { nonsense: true }],
  'mrkdwn-emphasis': [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*bold* _italic_ ~strike~ *_both_* snake_case_name 2*3*4 * not bold * _:large_green_circle: ok_',
      },
    },
  ],
  'mrkdwn-code': [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'Run `kubectl get pods -n *ns*` then:\n```\nSELECT 1 < 2 &amp;&amp; *x*;\n```\n> quoted *line*\n> second',
      },
    },
  ],
  'mrkdwn-links': [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: 'See <https://grafana.example.test/d/1?a=1&amp;b=2|the dashboard> or <https://example.test>. Ping <@UVIEWER1>, <@UNKNOWN9>, <#COPS0001>, <!here>, <!subteam^S0OPS|@oncall>, <mailto:ops@example.test|mail>. Also <javascript:alert(1)|click me>. Expires <!date^1392734382^{date_short_pretty} {time}|2014-02-18T14:39:42Z>, <!date^1392734382^{date_long} ({date_num})|fallback>.',
      },
    },
  ],
  'mrkdwn-emoji': [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${statuses.map(statusEmoji).join(' ')} :rocket: :no_entry: :wave::skin-tone-3: :made_up_emoji: at 10:42:15 :+1:`,
      },
    },
  ],
  'mrkdwn-entities': [
    { type: 'section', text: { type: 'mrkdwn', text: 'a &lt; b &gt; c &amp; d — &amp;lt; stays literal &quot;' } },
  ],
  injection: [
    { type: 'header', text: { type: 'plain_text', text: '<img src=x onerror=alert(1)>' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '<script>alert(1)</script> "quotes" \'single\' <https://x.test/"onmouseover="alert(1)|x"y>',
      },
    },
    { type: 'section', text: { type: 'plain_text', text: '</div><script>alert(2)</script>' } },
    {
      type: 'actions',
      block_id: '"><script>alert(3)</script>',
      elements: [button('"><b>x</b>', { action_id: '" onclick="alert(4)' })],
    },
    { type: 'image', image_url: 'https://x.test/a.png" onerror="alert(5)', alt_text: '"><script>alert(6)</script>' },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '\uE0000\uE001 `<b>` ```</pre><script>``` <@U1|<b>bold</b>>' }],
    },
  ],
};

import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/metrics.js';
import { measuredSlackFetch } from '../../src/metrics/slack-fetch.js';
import { parseExposition, sampleValue } from '../support/exposition.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { closedPort } from '../support/services.js';

describe('measuredSlackFetch: WebClient calls counted below the client', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack.close();
  });

  /** A WebClient as main.ts builds it (429s rejected, no retries), counting into fresh metrics. */
  const client = (apiUrl = slack.url) => {
    const metrics = createMetrics({ processMetrics: false });
    const web = new WebClient('xoxb-test-token', {
      slackApiUrl: apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      fetch: measuredSlackFetch(metrics),
    });
    return { web, scrape: async () => parseExposition(await metrics.render()) };
  };

  it('counts successful calls by method and passes the response through untouched', async () => {
    const { web, scrape } = client();
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'hello' });
    expect(posted.ok).toBe(true);
    expect(posted.ts).toMatch(/^\d+\.\d+$/);
    await web.chat.update({ channel: 'C1', ts: String(posted.ts), text: 'edited' });
    const m = await scrape();
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'chat.postMessage' })).toBe(1);
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'chat.update' })).toBe(1);
    expect(m.samples.filter((s) => s.name === 'chatops_slack_api_errors_total')).toEqual([]);
  });

  it('counts a 429 as a call, an error and a rate limit', async () => {
    const { web, scrape } = client();
    slack.failNext('chat.postMessage', { retryAfter: 1 });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toThrow(/rate-limit/i);
    const m = await scrape();
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'chat.postMessage' })).toBe(1);
    expect(sampleValue(m, 'chatops_slack_api_rate_limited_total', { method: 'chat.postMessage' })).toBe(1);
    expect(sampleValue(m, 'chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'ratelimited' })).toBe(
      1,
    );
  });

  it("counts Slack's ok:false replies and HTTP errors by their code", async () => {
    const { web, scrape } = client();
    slack.failNext('chat.update', { error: 'message_not_found' });
    await expect(web.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toThrow(/message_not_found/);
    slack.failNext('chat.postEphemeral', { status: 503 });
    await expect(web.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'x' })).rejects.toThrow();
    const m = await scrape();
    expect(
      sampleValue(m, 'chatops_slack_api_errors_total', { method: 'chat.update', error: 'message_not_found' }),
    ).toBe(1);
    expect(sampleValue(m, 'chatops_slack_api_errors_total', { method: 'chat.postEphemeral', error: 'http_503' })).toBe(
      1,
    );
    expect(m.samples.filter((s) => s.name === 'chatops_slack_api_rate_limited_total')).toEqual([]);
  });

  it('counts a connection failure as a network error', async () => {
    const { web, scrape } = client(`http://127.0.0.1:${await closedPort()}/api/`);
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toThrow();
    const m = await scrape();
    expect(sampleValue(m, 'chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'network' })).toBe(1);
  });

  it('counts each request of a file upload, the byte upload itself as "upload"', async () => {
    const { web, scrape } = client();
    await web.filesUploadV2({ channel_id: 'C1', file: Buffer.from('report'), filename: 'r.txt', title: 'r' });
    const m = await scrape();
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'files.getUploadURLExternal' })).toBe(1);
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'upload' })).toBe(1);
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'files.completeUploadExternal' })).toBe(1);
  });
});

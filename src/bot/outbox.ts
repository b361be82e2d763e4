import type { WebClient } from '@slack/web-api';
import type { ApprovalView, RecoveryAction, Reporter, ReportFile, RunRef } from '../jobs/report.js';
import type { Logger } from '../log.js';
import { classifySlackError } from './slack-call.js';
import { renderApproval } from './views/approval-message.js';
import type { MessageBody } from './views/blocks.js';
import {
  renderNeedsAttention,
  renderReportDetails,
  renderRunCancelled,
  renderRunFailure,
  renderRunProgress,
  renderRunReport,
} from './views/run-message.js';

/** Outbox tuning. */
export interface OutboxOptions {
  /** Minimum gap between chat.postMessage calls in one channel (Slack allows about 1 a second). */
  postIntervalMs: number;
  /** Minimum gap between chat.update calls to one message; updates in between are coalesced. */
  updateIntervalMs: number;
  /** Attempts for a final message before giving up. */
  maxAttempts: number;
  /** First backoff for transient failures; doubles each attempt. */
  backoffMs: number;
  /** How the outbox waits (Retry-After, backoff, spacing); tests observe the waits through it. */
  sleep: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const defaults: OutboxOptions = { postIntervalMs: 1000, updateIntervalMs: 1000, maxAttempts: 8, backoffMs: 500, sleep };

interface PendingUpdate {
  body: MessageBody;
  timer?: NodeJS.Timeout;
  lastSentAt: number;
  sending: Promise<void>;
  /** Set once the final state was sent: later progress must never overwrite a report. */
  closed: boolean;
}

/**
 * The single way out to Slack. Posts are spaced per channel, live-message updates are coalesced so only the newest
 * state is sent, a 429 is honoured by its Retry-After, and final messages are retried until Slack takes them or the
 * attempt budget runs out.
 */
export class Outbox implements Reporter {
  private readonly opts: OutboxOptions;
  private readonly channelTurn = new Map<string, { chain: Promise<unknown>; lastPostAt: number }>();
  private readonly updates = new Map<string, PendingUpdate>();
  /** Messages whose final state was sent, so late progress for them is dropped; oldest pruned first. */
  private readonly finalized = new Set<string>();
  private queuedPosts = 0;

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    opts: Partial<OutboxOptions> = {},
  ) {
    this.opts = { ...defaults, ...opts };
  }

  /** Calls Slack with the retry policy: 429 waits Retry-After, transient faults back off, permanent ones throw. */
  private async call<T>(what: string, fn: () => Promise<T>, attempts = this.opts.maxAttempts): Promise<T> {
    let backoff = this.opts.backoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const failure = classifySlackError(err);
        if (failure.kind === 'permanent' || attempt >= attempts) {
          this.log.error({ what, attempt, failure }, 'slack call gave up');
          throw err;
        }
        const wait = failure.kind === 'rate_limited' ? failure.retryAfterMs : backoff;
        if (failure.kind !== 'rate_limited') backoff *= 2;
        this.log.warn({ what, attempt, failure, waitMs: wait }, 'slack call will be retried');
        await this.opts.sleep(wait);
      }
    }
  }

  /** Posts a message, waiting its turn in the channel; returns its ts. */
  async postMessage(channel: string, body: MessageBody, threadTs?: string): Promise<string> {
    const turn = this.channelTurn.get(channel) ?? { chain: Promise.resolve(), lastPostAt: 0 };
    this.channelTurn.set(channel, turn);
    this.queuedPosts += 1;
    const mine = turn.chain.then(async () => {
      this.queuedPosts -= 1;
      const wait = turn.lastPostAt + this.opts.postIntervalMs - Date.now();
      if (wait > 0) await this.opts.sleep(wait);
      try {
        const res = await this.call('chat.postMessage', () =>
          this.client.chat.postMessage({ channel, text: body.text, blocks: body.blocks, thread_ts: threadTs }),
        );
        if (!res.ts) throw new Error('chat.postMessage returned no ts');
        return res.ts;
      } finally {
        turn.lastPostAt = Date.now();
      }
    });
    turn.chain = mine.catch(() => undefined);
    return mine;
  }

  /** Schedules a coalesced update of a message; only the newest body is sent, at most once per interval. */
  scheduleUpdate(channel: string, ts: string, body: MessageBody): void {
    const key = `${channel}/${ts}`;
    if (this.finalized.has(key)) return;
    const state = this.updates.get(key) ?? { body, lastSentAt: 0, sending: Promise.resolve(), closed: false };
    this.updates.set(key, state);
    if (state.closed) return;
    state.body = body;
    if (state.timer) return;
    const wait = Math.max(0, state.lastSentAt + this.opts.updateIntervalMs - Date.now());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (state.closed) return;
      const latest = state.body;
      state.sending = state.sending
        .then(() =>
          this.call(
            'chat.update',
            () => this.client.chat.update({ channel, ts, text: latest.text, blocks: latest.blocks }),
            3,
          ),
        )
        .then(
          () => {
            state.lastSentAt = Date.now();
          },
          (err: unknown) => this.log.warn({ err, channel, ts }, 'progress update dropped'),
        );
    }, wait);
  }

  /** Sends the final state of a message: cancels pending progress, waits for any in flight, then retries until sent. */
  async finalUpdate(channel: string, ts: string, body: MessageBody): Promise<void> {
    const key = `${channel}/${ts}`;
    const state = this.updates.get(key);
    if (state) {
      state.closed = true;
      if (state.timer) clearTimeout(state.timer);
      await state.sending;
    }
    try {
      await this.call('chat.update', () =>
        this.client.chat.update({ channel, ts, text: body.text, blocks: body.blocks }),
      );
    } finally {
      this.updates.delete(key);
      this.finalized.add(key);
      if (this.finalized.size > 10_000) {
        const oldest = this.finalized.values().next().value;
        if (oldest !== undefined) this.finalized.delete(oldest);
      }
    }
  }

  /** Posts waiting for their turn plus live updates waiting to be sent. */
  backlog(): number {
    let pending = 0;
    for (const u of this.updates.values()) if (u.timer) pending += 1;
    return this.queuedPosts + pending;
  }

  /** Posts the run's live message. */
  async runStarted(run: RunRef, items: Parameters<Reporter['runStarted']>[1]): Promise<string> {
    return this.postMessage(run.channelId, renderRunProgress(run, items));
  }

  /** Coalesced live update. */
  runProgress(run: RunRef, items: Parameters<Reporter['runProgress']>[1]): void {
    if (!run.messageTs) return;
    this.scheduleUpdate(run.channelId, run.messageTs, renderRunProgress(run, items));
  }

  /** Final report, then its detail in the thread. */
  async runFinished(run: RunRef, report: Parameters<Reporter['runFinished']>[1]): Promise<void> {
    const body = renderRunReport(run, report);
    const ts = await this.finalOrPost(run, body);
    const details = renderReportDetails(report);
    if (details) await this.postMessage(run.channelId, details.body, ts);
    const files = [...(report.files ?? [])];
    if (details?.truncated) {
      // The thread message was cut to Slack's limits; the whole detail goes up as a file.
      files.unshift({
        filename: `${run.runbook.replace(/\s+/g, '-')}-${run.runId}.txt`,
        title: `${run.runbook} ${run.runId}: full detail`,
        content: report.details.map((d) => [d.title, ...d.lines.map((l) => `  ${l}`)].join('\n')).join('\n\n'),
        encoding: 'utf8',
      });
    }
    for (const f of files) await this.uploadFile(run.channelId, ts, f);
  }

  /** Uploads a file into a thread (files.uploadV2: getUploadURLExternal, upload, completeUploadExternal). */
  async uploadFile(channel: string, threadTs: string, file: ReportFile): Promise<void> {
    const data = Buffer.from(file.content, file.encoding);
    await this.call('files.uploadV2', () =>
      this.client.filesUploadV2({
        channel_id: channel,
        thread_ts: threadTs,
        file: data,
        filename: file.filename,
        title: file.title,
      }),
    );
  }

  /** Failure notice in place of the live message. */
  async runFailed(run: RunRef, failure: Parameters<Reporter['runFailed']>[1]): Promise<void> {
    await this.finalOrPost(run, renderRunFailure(run, failure));
  }

  /** A run that stopped for a person. */
  async runNeedsAttention(run: RunRef, message: string, recovery?: readonly RecoveryAction[]): Promise<void> {
    await this.finalOrPost(run, renderNeedsAttention(run, message, recovery));
  }

  /** Cancelled notice in place of the live message. */
  async runCancelled(run: RunRef, by: string, left?: Parameters<Reporter['runCancelled']>[2]): Promise<void> {
    await this.finalOrPost(run, renderRunCancelled(run, by, left));
  }

  /** Posts the plan with its buttons; the plan's long detail goes into the thread. */
  async approvalRequested(view: ApprovalView): Promise<string> {
    const ts = await this.postMessage(view.run.channelId, renderApproval(view));
    const details = view.plan.details ?? [];
    const rendered = renderReportDetails({ status: 'ok', headline: '', items: [], details });
    if (rendered) await this.postMessage(view.run.channelId, rendered.body, ts);
    if (rendered?.truncated) {
      await this.uploadFile(view.run.channelId, ts, {
        filename: `${view.run.runbook.replace(/\s+/g, '-')}-${view.run.runId}-plan.txt`,
        title: `Plan of ${view.run.runbook} ${view.run.runId}`,
        content: details.map((d) => [d.title, ...d.lines.map((l) => `  ${l}`)].join('\n')).join('\n\n'),
        encoding: 'utf8',
      });
    }
    return ts;
  }

  /** Shows the approval's current state in place. */
  async approvalUpdated(view: ApprovalView, messageTs: string): Promise<void> {
    const body = renderApproval(view);
    // Pending (a partial quorum) may change again; a decision is final.
    if (view.status === 'pending') this.scheduleUpdate(view.run.channelId, messageTs, body);
    else await this.finalUpdate(view.run.channelId, messageTs, body);
  }

  /** Replaces any message now (e.g. a needs-attention notice after a decision). */
  async replace(channel: string, ts: string, body: MessageBody): Promise<void> {
    await this.finalUpdate(channel, ts, body);
  }

  /** An ephemeral reply to one user (policy refusals of button clicks). */
  async ephemeral(channel: string, user: string, text: string): Promise<void> {
    await this.call('chat.postEphemeral', () => this.client.chat.postEphemeral({ channel, user, text }), 3);
  }

  private async finalOrPost(run: RunRef, body: MessageBody): Promise<string> {
    if (run.messageTs) {
      await this.finalUpdate(run.channelId, run.messageTs, body);
      return run.messageTs;
    }
    return this.postMessage(run.channelId, body);
  }

  /** Waits for queued posts and pending updates (used at shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.channelTurn.values()].map((t) => t.chain));
    await Promise.all([...this.updates.values()].map((u) => u.sending));
  }
}

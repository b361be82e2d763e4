import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { failureLog } from '../failure-log.js';
import type { ApprovalView, RecoveryAction, Reporter, ReportFile, RunRef } from '../jobs/report.js';
import type { Logger } from '../log.js';
import { classifySlackError } from './slack-call.js';
import { memoryPacer, type SlackPacer, type TurnPriority } from './slack-pacer.js';
import { inTurn, isStaleTurn } from './slack-turn.js';
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
  /** Minimum gap between the starts of two posts in one channel, across every instance (Slack allows 1 a second). */
  postIntervalMs: number;
  /** Minimum gap between two chat.update calls to one message, the final one included; newer states coalesce. */
  updateIntervalMs: number;
  /** Attempts for a final message before giving up (it then stays in the store for the redelivery sweeper). */
  maxAttempts: number;
  /** First backoff for transient failures; doubles each attempt. */
  backoffMs: number;
  /** How the outbox waits (turns, Retry-After, backoff); tests observe the waits through it. */
  sleep: (ms: number) => Promise<void>;
  /** Where turns and Retry-After holds live: shared by every instance in production. */
  pacer: SlackPacer;
}

/**
 * A turn older than this when its call reaches the wire may be too old to use: the next turn starts an interval after
 * it, and the interval's margin over Slack's second is 50 ms (see turnCheckedFetch). At most this many are given up.
 */
const staleTurnMs = 50;
const maxStaleTurns = 2;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// 50 ms over Slack's second: arrival jitter must not bring two calls of one scope closer than a second.
const defaults: Omit<OutboxOptions, 'pacer'> = {
  postIntervalMs: 1050,
  updateIntervalMs: 1050,
  maxAttempts: 8,
  backoffMs: 500,
  sleep,
};

/** Whose turn a call takes, and which stored Retry-After holds it honours. */
interface Pace {
  /** The scope whose turn the call takes (a channel's posts, one message's updates). */
  turn: string;
  intervalMs: number;
  /** Scopes whose Retry-After holds this call (method and channel, method alone). */
  holds: string[];
  /** The scope a 429 on this call holds. */
  holdOn: string;
  /** Who goes first when the scope is busy (run messages before report threads). */
  priority?: TurnPriority;
}

/** The live state of one message: the newest unsent body, and the one loop that sends them in order. */
interface MessageState {
  /** The newest body not yet sent; a newer one replaces it. */
  latest?: MessageBody;
  /** The latest body is the final one: sent with every attempt, and nothing after it. */
  final: boolean;
  sending?: Promise<void>;
  /** The final body's outcome, for finalUpdate to report. */
  finalError?: unknown;
  /** Counts finalUpdate calls: one that arrives while an earlier one is failing gets its own attempts. */
  generation: number;
}

class OutboxStopped extends Error {
  constructor() {
    super('the outbox stopped (shutdown) before Slack took the call');
  }
}

/**
 * The single way out to Slack. Every call takes its turn from a pacer shared by all instances: a channel's posts
 * start at least postIntervalMs apart, one message's updates at least updateIntervalMs apart, and a 429's Retry-After
 * is stored for its method and channel so no instance calls again before it. Live updates coalesce (the newest state
 * replaces an unsent older one) and go out in order through one loop per message, the final state last. Final
 * messages are retried until Slack takes them, the attempt budget runs out, or shutdown's deadline passes.
 */
export class Outbox implements Reporter {
  private readonly opts: OutboxOptions;
  private readonly messages = new Map<string, MessageState>();
  /** Messages whose final state was sent, so late progress for them is dropped; oldest pruned first. */
  private readonly finalized = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly fallback = memoryPacer();
  private readonly stop = new AbortController();
  private queuedPosts = 0;
  /** auth.test's answer, asked once (see workspaceUrl). */
  private workspace?: Promise<string | undefined>;

  constructor(
    private readonly client: WebClient,
    private readonly log: Logger,
    opts: Partial<OutboxOptions> = {},
  ) {
    this.opts = { ...defaults, pacer: memoryPacer(), ...opts };
  }

  /** Waits, unless the outbox is stopping. */
  private async wait(ms: number): Promise<void> {
    if (this.stop.signal.aborted) throw new OutboxStopped();
    if (ms <= 0) return;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(new OutboxStopped());
      this.stop.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.opts.sleep(ms), stopped]);
    } finally {
      if (onAbort) this.stop.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Waits for the scope's turn; the shared store being down falls back to this process's own spacing. Returns when
   * the granted turn was asked for: the store stamped it no earlier.
   */
  private async takeTurn(pace: Pace): Promise<number> {
    for (;;) {
      const asked = performance.now();
      let waitMs: number;
      try {
        waitMs = await this.opts.pacer.tryTurn(pace.turn, pace.intervalMs, pace.holds, pace.priority);
      } catch (err) {
        this.log.warn({ err, scope: pace.turn }, 'slack pacer unavailable; pacing this instance alone');
        waitMs = await this.fallback.tryTurn(pace.turn, pace.intervalMs, pace.holds, pace.priority);
      }
      if (waitMs <= 0) return asked;
      await this.wait(waitMs);
    }
  }

  /** The turn's call was answered: the next turn is at least an interval from now, on every instance. */
  private async settle(pace: Pace): Promise<void> {
    await this.fallback.settle(pace.turn, pace.intervalMs);
    await this.opts.pacer.settle(pace.turn, pace.intervalMs).catch((err: unknown) => {
      this.log.warn({ err, scope: pace.turn }, 'slack pacer unavailable; spacing kept on this instance only');
    });
  }

  /** Stores a 429's Retry-After for every instance (and for this one, should the store be down). */
  private async holdFor(pace: Pace, ms: number): Promise<void> {
    await this.fallback.hold(pace.holdOn, ms);
    await this.opts.pacer.hold(pace.holdOn, ms).catch((err: unknown) => {
      this.log.warn({ err, scope: pace.holdOn }, 'slack pacer unavailable; Retry-After kept on this instance only');
    });
  }

  /**
   * Calls Slack in its turn, with the retry policy: a 429 stores its Retry-After and waits it out, transient faults
   * back off, permanent ones throw.
   */
  private async call<T>(what: string, pace: Pace, fn: () => Promise<T>, opts: { attempts?: number } = {}): Promise<T> {
    const attempts = opts.attempts ?? this.opts.maxAttempts;
    let backoff = this.opts.backoffMs;
    let staleTurns = 0;
    for (let attempt = 1; ; attempt++) {
      const askedAt = await this.takeTurn(pace);
      // A turn too old at the wire is given up for the next one, at most maxStaleTurns times a call (a process
      // stalled that often sends anyway, and a 429 then holds the scope for every instance).
      const maxAgeMs = staleTurns < maxStaleTurns ? staleTurnMs : Number.POSITIVE_INFINITY;
      try {
        const result = await inTurn({ askedAt, maxAgeMs }, fn);
        await this.settle(pace);
        return result;
      } catch (err) {
        if (isStaleTurn(err)) {
          // Nothing was sent: not an attempt, and nothing to settle.
          staleTurns += 1;
          attempt -= 1;
          this.log.info({ what, scope: pace.turn }, 'slack call held back: its turn grew old before the wire');
          continue;
        }
        await this.settle(pace);
        const failure = classifySlackError(err);
        if (failure.kind === 'rate_limited') await this.holdFor(pace, failure.retryAfterMs);
        if (this.stop.signal.aborted) throw new OutboxStopped();
        if (failure.kind === 'permanent' || attempt >= attempts) {
          // Slack's refusal or a 429 is its answer (warn, one line); a request we got wrong is our bug (error).
          const logged = failureLog(err);
          this.log[logged.level]({ what, attempt, failure, ...logged.fields }, 'slack call gave up');
          throw err;
        }
        this.log.warn({ what, attempt, failure }, 'slack call will be retried');
        if (failure.kind !== 'rate_limited') {
          await this.wait(backoff);
          backoff *= 2;
        }
      }
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private postPace(channel: string): Pace {
    return {
      turn: `post:${channel}`,
      intervalMs: this.opts.postIntervalMs,
      holds: [`chat.postMessage:${channel}`, 'chat.postMessage'],
      holdOn: `chat.postMessage:${channel}`,
    };
  }

  private updatePace(channel: string, ts: string): Pace {
    return {
      turn: `update:${channel}/${ts}`,
      intervalMs: this.opts.updateIntervalMs,
      holds: [`chat.update:${channel}`, 'chat.update'],
      holdOn: `chat.update:${channel}`,
    };
  }

  /**
   * Posts a message in the channel's turn; returns its ts. `first` messages (a run's own message, an approval) go
   * before thread replies waiting in the same channel, on every instance, so a burst of runs shows each run at once.
   */
  async postMessage(channel: string, body: MessageBody, threadTs?: string, first = false): Promise<string> {
    const priority: TurnPriority | undefined = first
      ? { level: 'high', waiter: randomUUID() }
      : threadTs
        ? { level: 'low' }
        : undefined;
    this.queuedPosts += 1;
    let counted = true;
    const uncount = () => {
      if (counted) this.queuedPosts -= 1;
      counted = false;
    };
    return this.track(
      (async () => {
        try {
          const res = await this.call('chat.postMessage', { ...this.postPace(channel), priority }, async () => {
            uncount();
            return this.client.chat.postMessage({ channel, text: body.text, blocks: body.blocks, thread_ts: threadTs });
          });
          if (!res.ts) throw new Error('chat.postMessage returned no ts');
          return res.ts;
        } finally {
          uncount();
        }
      })(),
    );
  }

  /** Sends a message's states in order, newest first replacing older unsent ones, the final one last. */
  private pump(channel: string, ts: string, state: MessageState): Promise<void> {
    state.sending ??= this.track(
      (async () => {
        while (state.latest) {
          let body = state.latest;
          let final = state.final;
          const generation = state.generation;
          try {
            // The body is taken when the turn comes (and again on a retry), so a newer state goes out in its place.
            await this.call('chat.update', this.updatePace(channel, ts), () => {
              body = state.latest ?? body;
              final = state.final;
              state.latest = undefined;
              return this.client.chat.update({ channel, ts, text: body.text, blocks: body.blocks });
            });
          } catch (err) {
            if (final && state.generation !== generation && !this.stop.signal.aborted) state.latest ??= body;
            else if (final) state.finalError = err;
            else {
              const logged = failureLog(err);
              this.log[logged.level](
                { ...logged.fields, channel, ts },
                'progress update not delivered; a later state replaces it',
              );
            }
          }
        }
      })().finally(() => {
        state.sending = undefined;
      }),
    );
    return state.sending;
  }

  /** Schedules a coalesced update of a message; only the newest body is sent, at most once per interval. */
  scheduleUpdate(channel: string, ts: string, body: MessageBody): void {
    const key = `${channel}/${ts}`;
    if (this.finalized.has(key)) return;
    const state = this.messages.get(key) ?? { final: false, generation: 0 };
    this.messages.set(key, state);
    if (state.final) return;
    state.latest = body;
    void this.pump(channel, ts, state);
  }

  /**
   * Updates a long-lived message (an alert group's) in its turn, and resolves once Slack took it; unlike
   * {@link finalUpdate}, the message may be updated again later. Throws if Slack never took it.
   */
  async update(channel: string, ts: string, body: MessageBody): Promise<void> {
    await this.track(
      this.call('chat.update', this.updatePace(channel, ts), () =>
        this.client.chat.update({ channel, ts, text: body.text, blocks: body.blocks }),
      ),
    );
  }

  /** Sends the final state of a message, in its turn after any update in flight; throws if Slack never took it. */
  async finalUpdate(channel: string, ts: string, body: MessageBody): Promise<void> {
    const key = `${channel}/${ts}`;
    const state = this.messages.get(key) ?? { final: false, generation: 0 };
    this.messages.set(key, state);
    state.final = true;
    state.latest = body;
    state.finalError = undefined;
    state.generation += 1;
    try {
      // The loop may be sending a progress state now; it sends the final one next.
      while (state.latest || state.sending) await this.pump(channel, ts, state);
      if (state.finalError !== undefined) throw state.finalError;
    } finally {
      this.messages.delete(key);
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
    for (const m of this.messages.values()) if (m.latest) pending += 1;
    return this.queuedPosts + pending;
  }

  /** Posts the run's live message. */
  async runStarted(run: RunRef, items: Parameters<Reporter['runStarted']>[1]): Promise<string> {
    return this.postMessage(run.channelId, renderRunProgress(run, items), run.threadTs, true);
  }

  /** Coalesced live update. */
  runProgress(run: RunRef, items: Parameters<Reporter['runProgress']>[1]): void {
    if (!run.messageTs) return;
    this.scheduleUpdate(run.channelId, run.messageTs, renderRunProgress(run, items));
  }

  /** Final report, then its detail in the thread. */
  async runFinished(run: RunRef, report: Parameters<Reporter['runFinished']>[1]): Promise<void> {
    const body = renderRunReport(run, report);
    // A run that reports in a thread (an alert's diagnosis) keeps its detail in that thread: Slack nests no deeper.
    const thread = run.threadTs ?? (await this.finalOrPost(run, body));
    if (run.threadTs) await this.finalOrPost(run, body);
    const details = renderReportDetails(report);
    if (details) await this.postMessage(run.channelId, details.body, thread);
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
    for (const f of files) await this.uploadFile(run.channelId, thread, f);
  }

  /** Uploads a file into a thread (files.uploadV2: getUploadURLExternal, upload, completeUploadExternal). */
  async uploadFile(channel: string, threadTs: string, file: ReportFile): Promise<void> {
    const data = Buffer.from(file.content, file.encoding);
    await this.call(
      'files.uploadV2',
      { ...this.postPace(channel), holds: ['files.uploadV2'], holdOn: 'files.uploadV2', priority: { level: 'low' } },
      () =>
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
    const ts = await this.postMessage(view.run.channelId, renderApproval(view), undefined, true);
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

  /** Shows the approval's current state in place; once its run ended, with a link to the run's message. */
  async approvalUpdated(view: ApprovalView, messageTs: string): Promise<void> {
    const body = renderApproval(view, view.outcome?.messageTs ? await this.workspaceUrl() : undefined);
    // Pending (a partial quorum) may change again; a decision is final.
    if (view.status === 'pending') this.scheduleUpdate(view.run.channelId, messageTs, body);
    else await this.finalUpdate(view.run.channelId, messageTs, body);
  }

  /** Replaces any message now (e.g. a needs-attention notice after a decision). */
  async replace(channel: string, ts: string, body: MessageBody): Promise<void> {
    await this.finalUpdate(channel, ts, body);
  }

  /**
   * The workspace's URL (auth.test's `url`), which message permalinks are built on. Asked once per process, and
   * again after a failure; undefined while Slack does not say, so a message goes out without its link.
   */
  private workspaceUrl(): Promise<string | undefined> {
    this.workspace ??= this.call(
      'auth.test',
      { turn: 'auth.test', intervalMs: 1, holds: ['auth.test'], holdOn: 'auth.test' },
      () => this.client.auth.test(),
      { attempts: 3 },
    ).then(
      (res) => res.url,
      (err: unknown) => {
        this.log.warn({ err }, 'auth.test failed; approval messages go out without a link to the run');
        this.workspace = undefined;
        return undefined;
      },
    );
    return this.workspace;
  }

  /** An ephemeral reply to one user (policy refusals of button clicks). */
  async ephemeral(channel: string, user: string, text: string): Promise<void> {
    const pace = {
      turn: `ephemeral:${channel}/${user}`,
      intervalMs: 1,
      holds: ['chat.postEphemeral'],
      holdOn: 'chat.postEphemeral',
    };
    await this.call('chat.postEphemeral', pace, () => this.client.chat.postEphemeral({ channel, user, text }), {
      attempts: 3,
    });
  }

  private async finalOrPost(run: RunRef, body: MessageBody): Promise<string> {
    if (run.messageTs) {
      await this.finalUpdate(run.channelId, run.messageTs, body);
      return run.messageTs;
    }
    return this.postMessage(run.channelId, body, run.threadTs);
  }

  /**
   * Shutdown: waits for what is in flight until `timeoutMs`, then stops every wait and retry. Whatever Slack did not
   * take stays in the store (runs' reports, approvals) for the redelivery sweeper of this or another instance.
   */
  async drain(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const settled = Promise.allSettled([...this.inFlight]).then(() => 'settled' as const);
    const outcome = await Promise.race([settled, deadline.then(() => 'deadline' as const)]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.log.warn(
        { pending: this.inFlight.size, timeoutMs },
        'outbox drain deadline passed: retries stopped; undelivered final messages stay in the store for redelivery',
      );
    }
    this.stop.abort();
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(100)]);
  }
}

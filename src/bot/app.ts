import { App } from '@slack/bolt';
import type { OpsConfig } from '../config/ops-config.js';
import type { SilenceDeps } from '../handlers/alert-silence-click.js';
import { cancelClick } from '../handlers/cancel-run.js';
import { approveClick } from '../handlers/decide-approval.js';
import type { CommandDeps } from '../handlers/handle-command.js';
import { resolveInterruptedClick } from '../handlers/resolve-interrupted.js';
import { slackLibraryLogger } from '../slack-logger.js';
import { type ExtraRoute, SlackHttpReceiver } from './http-receiver.js';
import { actionRouter, exactly } from './listeners/actions/action-router.js';
import { alertRunbookListener, alertSilenceListener } from './listeners/actions/alert-runbook.js';
import { type ButtonDeps, buttonListener } from './listeners/actions/button-listener.js';
import { rejectListener } from './listeners/actions/reject.js';
import { recoveryListener, rerunListener } from './listeners/actions/rerun.js';
import { slashCommandListener } from './listeners/commands/slash-command.js';
import { rejectClosedListener } from './listeners/views/reject-closed.js';
import { rejectReasonListener } from './listeners/views/reject-reason.js';
import { serveRoutes } from './route-server.js';
import { SocketPoolReceiver } from './socket-pool.js';
import { actionIds, rejectModalCallbackId } from './views/actions.js';

export type { ExtraRoute } from './http-receiver.js';

/** How the bot reaches Slack. */
export interface SlackSettings {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  apiUrl?: string;
  port: number;
  host?: string;
}

/** A started Bolt app. */
export interface SlackBot {
  /** The HTTP port (the events endpoint in HTTP mode). */
  port: number;
  stop(): Promise<void>;
}

/**
 * Builds and starts the Bolt app: HTTP mode on `port` at /slack/events with signatures verified, or Socket Mode
 * when an app token is given. Listeners only parse, authorize, persist and enqueue.
 */
export async function startSlackBot(
  settings: SlackSettings,
  config: OpsConfig,
  deps: CommandDeps & ButtonDeps & SilenceDeps,
  routes: ExtraRoute[] = [],
): Promise<SlackBot> {
  const clientOptions = settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {};
  const logger = slackLibraryLogger(deps.log, 'bolt');
  // HTTP mode: our receiver serves /slack/events and the routes on one server (see SlackHttpReceiver for why).
  // Socket Mode: the probes and /metrics are served by serveRoutes below; Bolt's Socket Mode server ignores the host.
  const receiver = settings.appToken
    ? new SocketPoolReceiver({ appToken: settings.appToken, logger, clientOptions })
    : new SlackHttpReceiver({
        signingSecret: settings.signingSecret,
        log: deps.log.child({ component: 'http' }),
        routes,
        port: settings.port,
        host: settings.port === 0 ? (settings.host ?? '127.0.0.1') : settings.host,
      });
  const app = new App({
    token: settings.botToken,
    receiver,
    // Bolt's conversation store keeps per-channel state in memory on every request; nothing here reads it.
    convoStore: false,
    logger,
    clientOptions,
    deferInitialization: true,
  });

  app.error(async (err) => {
    deps.log.error({ err }, 'unhandled error in a Slack listener');
  });
  // One listener per kind of request: Bolt runs every registered listener's middleware on every request.
  const commands = Object.values(config.services).map((svc) => svc.command);
  app.command(new RegExp(commands.map(exactly).join('|')), slashCommandListener(deps));
  const actions = actionRouter([
    { id: actionIds.approve, listener: buttonListener(deps, approveClick) },
    { id: actionIds.reject, listener: rejectListener(deps) },
    { id: actionIds.cancel, listener: buttonListener(deps, cancelClick) },
    { id: actionIds.retryStep, listener: buttonListener(deps, (d, i) => resolveInterruptedClick(d, i, 'retry')) },
    { id: actionIds.abort, listener: buttonListener(deps, (d, i) => resolveInterruptedClick(d, i, 'abort')) },
    { id: actionIds.rerun, listener: rerunListener(deps) },
    { id: actionIds.rollback, listener: recoveryListener(deps, 'rollback') },
    { id: actionIds.scaleUp, listener: recoveryListener(deps, 'scale-up') },
    { id: new RegExp(`^${actionIds.alertRunbook}_\\d$`), listener: alertRunbookListener(deps) },
    { id: new RegExp(`^${actionIds.alertSilence}_\\d+h$`), listener: alertSilenceListener(deps, 'silence') },
    { id: actionIds.alertUnsilence, listener: alertSilenceListener(deps, 'unsilence') },
  ]);
  app.action(actions.pattern, actions.listener);
  app.view(rejectModalCallbackId, rejectReasonListener(deps));
  app.view({ callback_id: rejectModalCallbackId, type: 'view_closed' }, rejectClosedListener(deps));

  // auth.test: a bad token stops boot here with Slack's reason, instead of an unhandled rejection later.
  await app.init();
  if (settings.appToken) {
    const routeServer = await serveRoutes(routes, settings.port, settings.host);
    try {
      await app.start();
    } catch (err) {
      await routeServer.close();
      throw err;
    }
    return {
      port: routeServer.port,
      stop: async () => {
        await app.stop();
        await routeServer.close();
      },
    };
  }
  await app.start();
  const port = receiver instanceof SlackHttpReceiver ? receiver.port() : settings.port;
  return { port, stop: () => app.stop().then(() => undefined) };
}

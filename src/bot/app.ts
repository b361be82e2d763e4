import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import type { OpsConfig } from '../config/ops-config.js';
import type { SilenceDeps } from '../handlers/alert-silence-click.js';
import { cancelClick } from '../handlers/cancel-run.js';
import { approveClick } from '../handlers/decide-approval.js';
import type { CommandDeps } from '../handlers/handle-command.js';
import { resolveInterruptedClick } from '../handlers/resolve-interrupted.js';
import { slackLibraryLogger } from '../slack-logger.js';
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

/** An HTTP route served beside /slack/events (probes, metrics). */
export interface ExtraRoute {
  path: string;
  method: 'GET' | 'POST';
  handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
}

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
  const customRoutes = routes.map((r) => ({ path: r.path, method: [r.method], handler: r.handler }));
  const app = settings.appToken
    ? new App({
        token: settings.botToken,
        // The probes and /metrics are served by serveRoutes below: Bolt's Socket Mode server ignores the host.
        receiver: new SocketPoolReceiver({ appToken: settings.appToken, logger, clientOptions }),
        // Bolt's conversation store keeps per-channel state in memory on every request; nothing here reads it.
        convoStore: false,
        logger,
        clientOptions,
        deferInitialization: true,
      })
    : new App({
        token: settings.botToken,
        signingSecret: settings.signingSecret,
        convoStore: false,
        logger,
        clientOptions,
        customRoutes,
        deferInitialization: true,
      });

  app.error(async (err) => {
    deps.log.error({ err }, 'unhandled error in a Slack listener');
  });
  const listener = slashCommandListener(deps);
  for (const svc of Object.values(config.services)) app.command(svc.command, listener);
  app.action(actionIds.approve, buttonListener(deps, approveClick));
  app.action(actionIds.reject, rejectListener(deps));
  app.action(actionIds.cancel, buttonListener(deps, cancelClick));
  app.action(
    actionIds.retryStep,
    buttonListener(deps, (d, i) => resolveInterruptedClick(d, i, 'retry')),
  );
  app.action(
    actionIds.abort,
    buttonListener(deps, (d, i) => resolveInterruptedClick(d, i, 'abort')),
  );
  app.action(actionIds.rerun, rerunListener(deps));
  app.action(actionIds.rollback, recoveryListener(deps, 'rollback'));
  app.action(actionIds.scaleUp, recoveryListener(deps, 'scale-up'));
  app.action(new RegExp(`^${actionIds.alertRunbook}_\\d$`), alertRunbookListener(deps));
  app.action(new RegExp(`^${actionIds.alertSilence}_\\d+h$`), alertSilenceListener(deps, 'silence'));
  app.action(actionIds.alertUnsilence, alertSilenceListener(deps, 'unsilence'));
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
  const server = (await app.start(
    settings.port === 0
      ? { port: 0, host: settings.host ?? '127.0.0.1' }
      : { port: settings.port, host: settings.host },
  )) as Server;
  const address = server.address() as AddressInfo;
  return { port: address.port, stop: () => app.stop().then(() => undefined) };
}

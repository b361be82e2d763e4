import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from './log.js';

/**
 * A logger for Slack's libraries (Bolt, the Web API client, Socket Mode) that writes into our JSON log, tagged with
 * `library`, so every line the process prints is one JSON object. Under the library's own default it would print
 * plain text (`[WARN]  web-api:WebClient:0 http request failed`). `library` is its own key, so a component's logger
 * can be passed in without repeating `component`.
 */
export function slackLibraryLogger(log: Logger, library: 'bolt' | 'web-api'): SlackLogger {
  const child = log.child({ library });
  let level = LogLevel.INFO;
  const line = (m: unknown[]) => m.map((part) => (typeof part === 'string' ? part : String(part))).join(' ');
  return {
    // The libraries log at debug several times per call: build the line only when it will be written.
    debug: (...m: unknown[]) => {
      if (child.isLevelEnabled('debug')) child.debug(line(m));
    },
    info: (...m: unknown[]) => child.info(line(m)),
    warn: (...m: unknown[]) => child.warn(line(m)),
    error: (...m: unknown[]) => child.error(line(m)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

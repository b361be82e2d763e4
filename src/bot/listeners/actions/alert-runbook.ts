import { alertRunbookClick } from '../../../handlers/alert-runbook-click.js';
import type { CommandDeps } from '../../../handlers/command-types.js';
import { renderCommandReply } from '../../views/command-reply.js';
import { type ButtonDeps, buttonListener } from './button-listener.js';

/** A runbook button on an alert: the answer (started, planning for approval, or refused) goes to the clicker. */
export function alertRunbookListener(deps: ButtonDeps & CommandDeps) {
  return buttonListener(deps, async (_d, input) => ({
    ephemeral: renderCommandReply(await alertRunbookClick(deps, input)).text,
  }));
}

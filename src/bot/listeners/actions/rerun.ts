import type { CommandDeps } from '../../../handlers/command-types.js';
import { rerunClick } from '../../../handlers/rerun.js';
import { renderCommandReply } from '../../views/command-reply.js';
import { type ButtonDeps, buttonListener } from './button-listener.js';

/** The Re-run button: the answer (started, planning for approval, or refused) goes to the clicker ephemerally. */
export function rerunListener(deps: ButtonDeps & CommandDeps) {
  return buttonListener(deps, async (_d, input) => ({
    ephemeral: renderCommandReply(await rerunClick(deps, input)).text,
  }));
}

import type { CommandDeps } from '../../../handlers/command-types.js';
import { recoveryClick } from '../../../handlers/recovery-click.js';
import { rerunClick } from '../../../handlers/rerun.js';
import type { RecoveryAction } from '../../../jobs/report.js';
import { renderCommandReply } from '../../views/command-reply.js';
import { type ButtonDeps, buttonListener } from './button-listener.js';

/** The Re-run button: the answer (started, planning for approval, or refused) goes to the clicker ephemerally. */
export function rerunListener(deps: ButtonDeps & CommandDeps) {
  return buttonListener(deps, async (_d, input) => ({
    ephemeral: renderCommandReply(await rerunClick(deps, input)).text,
  }));
}

/** Roll back / Scale back up on a stopped restore: the answer goes to the clicker ephemerally, like Re-run's. */
export function recoveryListener(deps: ButtonDeps & CommandDeps, action: RecoveryAction) {
  return buttonListener(deps, async (_d, input) => ({
    ephemeral: renderCommandReply(await recoveryClick(deps, input, action)).text,
  }));
}

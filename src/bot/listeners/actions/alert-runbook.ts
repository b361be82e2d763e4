import { alertRunbookClick } from '../../../handlers/alert-runbook-click.js';
import { alertSilenceClick, type SilenceDeps } from '../../../handlers/alert-silence-click.js';
import type { CommandDeps } from '../../../handlers/command-types.js';
import { renderCommandReply } from '../../views/command-reply.js';
import { type ButtonDeps, buttonListener } from './button-listener.js';

/** A runbook button on an alert: the answer (started, planning for approval, or refused) goes to the clicker. */
export function alertRunbookListener(deps: ButtonDeps & CommandDeps) {
  return buttonListener(deps, async (_d, input) => ({
    ephemeral: renderCommandReply(await alertRunbookClick(deps, input)).text,
  }));
}

/** Silence N h / Unsilence on an alert: the message shows the outcome; a refusal goes to the clicker. */
export function alertSilenceListener(deps: ButtonDeps & SilenceDeps, kind: 'silence' | 'unsilence') {
  return buttonListener(deps, (_d, input) =>
    alertSilenceClick(
      deps,
      input,
      kind === 'silence' ? { kind, hours: Number(input.value.split('|')[1]) } : { kind: 'unsilence' },
    ),
  );
}

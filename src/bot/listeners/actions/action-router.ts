import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';

/** A button listener, as each of ours is. */
export type ActionListener = (args: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => Promise<void>;

/** A button's action_id (exactly, or by a pattern anchored with ^ and $) and its listener. */
export interface ActionRoute {
  id: string | RegExp;
  listener: ActionListener;
}

/** `text` as a pattern that matches exactly it. */
export function exactly(text: string): string {
  return `^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

function matches(id: string | RegExp, actionId: string): boolean {
  return typeof id === 'string' ? id === actionId : id.test(actionId);
}

/**
 * One Bolt listener for every button, dispatching on the action_id. Bolt runs each registered listener's middleware
 * chain on every request, slash commands included, so eleven registrations cost eleven chains per command; one costs
 * one. `pattern` matches exactly the routes' ids, so Bolt still leaves other actions unhandled.
 */
export function actionRouter(routes: readonly ActionRoute[]): { pattern: RegExp; listener: ActionListener } {
  const alternatives = routes.map((r) => (typeof r.id === 'string' ? exactly(r.id) : `(?:${r.id.source})`));
  return {
    pattern: new RegExp(alternatives.join('|')),
    listener: async (args) => {
      const route = routes.find((r) => matches(r.id, args.action.action_id));
      // The pattern admits only the routes' ids; anything else was never routed here.
      if (route) await route.listener(args);
    },
  };
}

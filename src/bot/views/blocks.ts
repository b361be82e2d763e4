/** The Block Kit shapes our views emit (a subset of Slack's; only what we use is declared). */
export type TextObject = { type: 'mrkdwn'; text: string } | { type: 'plain_text'; text: string; emoji?: boolean };

/** A Block Kit block we emit. */
export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[]; block_id?: string }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' }
  | {
      type: 'actions';
      block_id?: string;
      elements: {
        type: 'button';
        action_id: string;
        text: { type: 'plain_text'; text: string };
        value?: string;
        style?: 'primary' | 'danger';
        confirm?: {
          title: { type: 'plain_text'; text: string };
          text: TextObject;
          confirm: { type: 'plain_text'; text: string };
          deny: { type: 'plain_text'; text: string };
        };
      }[];
    }
  | { type: 'image'; image_url: string; alt_text: string; title?: { type: 'plain_text'; text: string } };

/** A message body: fallback text plus blocks. */
export interface MessageBody {
  text: string;
  blocks: Block[];
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMrkdwn } from '../../src/playground/mrkdwn.js';
import { renderBlocks } from '../../src/playground/render-blocks.js';
import { button, cases, ctx } from './block-cases.js';

/** The only tags the renderer emits, and the only attributes they carry. */
const allowedTags = new Set([
  'label',
  'textarea',
  'input',
  'div',
  'span',
  'b',
  'i',
  's',
  'code',
  'pre',
  'blockquote',
  'br',
  'a',
  'h3',
  'hr',
  'button',
  'template',
  'img',
  'figure',
  'figcaption',
]);
const allowedAttributes =
  /^(class|href|target|rel|src|alt|loading|title|type|maxlength|placeholder|rows|value|required|hidden|data-[a-z-]+)$/;

/** Every tag and attribute in `html`, checked against the renderer's own vocabulary. */
function expectOnlyOurMarkup(html: string): void {
  for (const tag of html.matchAll(/<\/?([a-zA-Z0-9]+)([^>]*)>/g)) {
    expect(allowedTags, tag[0]).toContain(tag[1]);
    const attrs = (tag[2] ?? '').replace(/="[^"]*"/g, '').trim();
    for (const name of attrs.split(/\s+/).filter(Boolean)) expect(name, tag[0]).toMatch(allowedAttributes);
  }
  for (const url of html.matchAll(/(?:href|src|data-url)="([^"]*)"/g))
    expect(url[1]).toMatch(/^(https?:\/\/|mailto:|\/files\/)/);
}

describe('escaping', () => {
  it('lets no injected tag or attribute through the injection case', () => {
    expectOnlyOurMarkup(renderBlocks(cases.injection ?? [], ctx));
  });

  it('keeps arbitrary mrkdwn and plain text from producing markup (property)', () => {
    const hostile = fc.string({
      unit: fc.constantFrom(
        '<',
        '>',
        '&',
        '"',
        "'",
        '*',
        '_',
        '~',
        '`',
        ':',
        '|',
        '@',
        '!',
        '#',
        '\n',
        ' ',
        'a',
        'x',
        '/',
        '=',
        'j',
        'ja',
        'javascript',
        'script',
        'img',
        'on',
        '\uE000',
        '\uE001',
        '0',
      ),
    });
    fc.assert(
      fc.property(hostile, (text) => {
        expectOnlyOurMarkup(renderMrkdwn(text, ctx));
        expectOnlyOurMarkup(
          renderBlocks(
            [
              { type: 'header', text: { type: 'plain_text', text } },
              { type: 'section', text: { type: 'plain_text', text }, fields: [{ type: 'mrkdwn', text }] },
              {
                type: 'actions',
                block_id: text,
                elements: [button(text, { action_id: text, value: text, url: text })],
              },
              { type: 'image', image_url: text, alt_text: text },
              {
                type: 'input',
                block_id: text,
                label: { type: 'plain_text', text },
                element: {
                  type: 'plain_text_input',
                  action_id: text,
                  initial_value: text,
                  placeholder: { type: 'plain_text', text },
                },
              },
            ],
            ctx,
          ),
        );
      }),
      { numRuns: 300 },
    );
  });
});

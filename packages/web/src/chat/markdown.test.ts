import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from './markdown.js';

describe('the Markdown subset', () => {
  it('parses bold, italic, code, links and mentions inline', () => {
    expect(parseInline('a **b** *c* _d_ `e*f*` @bob.')).toEqual([
      { type: 'text', text: 'a ' },
      { type: 'bold', children: [{ type: 'text', text: 'b' }] },
      { type: 'text', text: ' ' },
      { type: 'italic', children: [{ type: 'text', text: 'c' }] },
      { type: 'text', text: ' ' },
      { type: 'italic', children: [{ type: 'text', text: 'd' }] },
      { type: 'text', text: ' ' },
      { type: 'code', text: 'e*f*' },
      { type: 'text', text: ' ' },
      { type: 'mention', username: 'bob' },
      { type: 'text', text: '.' },
    ]);
  });

  it('makes links of http(s) only, and gives a trailing full stop back to the text', () => {
    expect(parseInline('see https://example.com/x. and [docs](https://d.example/a)')).toEqual([
      { type: 'text', text: 'see ' },
      { type: 'link', href: 'https://example.com/x', children: [{ type: 'text', text: 'https://example.com/x' }] },
      { type: 'text', text: '. and ' },
      { type: 'link', href: 'https://d.example/a', children: [{ type: 'text', text: 'docs' }] },
    ]);
    expect(parseInline('[x](javascript:alert(1)) data:text/html,<b>')).toEqual([
      { type: 'text', text: '[x](javascript:alert(1)) data:text/html,<b>' },
    ]);
  });

  it('leaves snake_case, 2*3*4 and mail addresses alone', () => {
    expect(parseInline('snake_case_name 2*3*4 me@example.com')).toEqual([
      { type: 'text', text: 'snake_case_name 2*3*4 me@example.com' },
    ]);
  });

  it('parses code blocks, quotes and lists, keeping every other line', () => {
    expect(parseMarkdown('intro\n```\n**not bold**\n```\n> quoted\n- one\n- two\n3. three\nend')).toEqual([
      { type: 'paragraph', lines: [[{ type: 'text', text: 'intro' }]] },
      { type: 'code', text: '**not bold**' },
      { type: 'quote', lines: [[{ type: 'text', text: 'quoted' }]] },
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [[{ type: 'text', text: 'one' }], [{ type: 'text', text: 'two' }]],
      },
      { type: 'list', ordered: true, start: 3, items: [[{ type: 'text', text: 'three' }]] },
      { type: 'paragraph', lines: [[{ type: 'text', text: 'end' }]] },
    ]);
  });

  it('keeps text on a line that only looks like a fence', () => {
    expect(parseMarkdown('```<b>x</b>```')).toEqual([
      {
        type: 'paragraph',
        lines: [
          [
            { type: 'text', text: '``' },
            { type: 'code', text: '<b>x</b>' },
            { type: 'text', text: '``' },
          ],
        ],
      },
    ]);
  });

  it('bounds nesting, so a hostile body cannot recurse deeply', () => {
    const deep = '**'.repeat(50) + 'x' + '**'.repeat(50);
    expect(() => parseMarkdown(deep)).not.toThrow();
    expect(JSON.stringify(parseMarkdown('[**_*a*_**](https://x.example)')).length).toBeLessThan(400);
  });
});

/*
 * The safe Markdown subset of messages (issue 14): **bold**, *italic* or _italic_, `code`,
 * ``` code blocks ```, > quotes, - lists and 1. lists, and http(s) links (bare or [text](url)).
 * Parsed into plain data here; markdown.tsx builds React elements from it. Nothing ever becomes
 * HTML: no innerHTML, no dangerouslySetInnerHTML, and a link is only ever http: or https:.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'bold'; children: Inline[] }
  | { type: 'italic'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'mention'; username: string };

export type Block =
  | { type: 'paragraph'; lines: Inline[][] }
  | { type: 'code'; text: string }
  | { type: 'quote'; lines: Inline[][] }
  | { type: 'list'; ordered: boolean; start: number; items: Inline[][] };

const INLINE = new RegExp(
  [
    '`(?<code>[^`\\n]+)`',
    '\\[(?<label>[^\\]\\n]{1,300})\\]\\((?<href>https?://[^\\s)<>"\'`]+)\\)',
    '(?<url>\\bhttps?://[^\\s<>"\'`]+)',
    '\\*\\*(?<bold>(?!\\s)[^\\n]+?)\\*\\*',
    '(?<![\\w*])\\*(?<star>(?![\\s*])[^\\n*]+?)\\*(?![\\w*])',
    '(?<![\\w_])_(?<under>(?![\\s_])[^\\n_]+?)_(?![\\w_])',
    '(?<![\\w@])@(?<mention>[a-zA-Z0-9_.-]{3,32})',
  ].join('|'),
  'g',
);
const TRAILING = /[.,;:!?)\]}'"]+$/;
/** Nesting past this is left as text: a hostile body cannot make the renderer recurse deeply. */
const MAX_DEPTH = 4;

export function parseInline(text: string, depth = 0): Inline[] {
  if (depth >= MAX_DEPTH) return text ? [{ type: 'text', text }] : [];
  const out: Inline[] = [];
  let last = 0;
  const push = (t: string) => {
    if (!t) return;
    const prev = out.at(-1);
    if (prev?.type === 'text') prev.text += t;
    else out.push({ type: 'text', text: t });
  };
  const re = new RegExp(INLINE.source, 'g');
  for (let match = re.exec(text); match; match = re.exec(text)) {
    const g = match.groups ?? {};
    let end = match.index + match[0].length;
    push(text.slice(last, match.index));
    if (g['code'] !== undefined) out.push({ type: 'code', text: g['code'] });
    else if (g['href'] !== undefined)
      out.push({ type: 'link', href: g['href'], children: parseInline(g['label'] ?? '', depth + 1) });
    else if (g['url'] !== undefined) {
      const url = g['url'].replace(TRAILING, '');
      end = match.index + url.length;
      out.push({ type: 'link', href: url, children: [{ type: 'text', text: url }] });
    } else if (g['bold'] !== undefined) out.push({ type: 'bold', children: parseInline(g['bold'], depth + 1) });
    else if (g['star'] !== undefined) out.push({ type: 'italic', children: parseInline(g['star'], depth + 1) });
    else if (g['under'] !== undefined) out.push({ type: 'italic', children: parseInline(g['under'], depth + 1) });
    else if (g['mention'] !== undefined) {
      const username = g['mention'].replace(/\.+$/, '');
      end = match.index + 1 + username.length;
      out.push({ type: 'mention', username });
    }
    last = end;
    // A trimmed URL or mention gives its tail back to the text that follows.
    re.lastIndex = end;
  }
  push(text.slice(last));
  return out;
}

/** A fence is a line of its own (with an optional language word, not shown): ```x``` on one line is text. */
const FENCE = /^\s*```[\w+-]*\s*$/;
const QUOTE = /^\s*> ?(.*)$/;
const BULLET = /^\s*[-*] +(.*)$/;
const NUMBERED = /^\s*(\d{1,9})[.)] +(.*)$/;

/** A body as blocks; lines that fit no block are paragraph lines, and every line is kept. */
export function parseMarkdown(body: string): Block[] {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (FENCE.test(line)) {
      const code: string[] = [];
      i += 1;
      while (i < lines.length && !FENCE.test(lines[i] ?? '')) code.push(lines[i++] ?? '');
      i += 1; // the closing fence (or the end: an unclosed block runs to the end)
      blocks.push({ type: 'code', text: code.join('\n') });
      continue;
    }
    const run = (pattern: RegExp) => {
      const taken: RegExpMatchArray[] = [];
      for (let m = (lines[i] ?? '').match(pattern); i < lines.length && m; m = (lines[i] ?? '').match(pattern)) {
        taken.push(m);
        i += 1;
      }
      return taken;
    };
    if (QUOTE.test(line)) {
      blocks.push({ type: 'quote', lines: run(QUOTE).map((m) => parseInline(m[1] ?? '')) });
    } else if (BULLET.test(line)) {
      blocks.push({ type: 'list', ordered: false, start: 1, items: run(BULLET).map((m) => parseInline(m[1] ?? '')) });
    } else if (NUMBERED.test(line)) {
      const items = run(NUMBERED);
      const start = Number(items[0]?.[1] ?? 1);
      blocks.push({ type: 'list', ordered: true, start, items: items.map((m) => parseInline(m[2] ?? '')) });
    } else {
      const paragraph: Inline[][] = [];
      while (i < lines.length) {
        const l = lines[i] ?? '';
        if (FENCE.test(l) || QUOTE.test(l) || BULLET.test(l) || NUMBERED.test(l)) break;
        paragraph.push(parseInline(l));
        i += 1;
      }
      blocks.push({ type: 'paragraph', lines: paragraph });
    }
  }
  return blocks;
}

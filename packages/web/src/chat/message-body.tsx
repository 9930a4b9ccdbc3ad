import { useState, type ReactNode } from 'react';
import type { User } from '@parley/protocol';
import { isLong } from '../state/message-changes.js';
import { parseMarkdown, type Block, type Inline } from './markdown.js';

/** Who a body's @names are: only mentions the server resolved are highlighted. */
interface MentionContext {
  mentioned: Set<string>;
  me: string | undefined;
}

function renderInline(nodes: Inline[], ctx: MentionContext): ReactNode[] {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'code':
        return <code key={i}>{node.text}</code>;
      case 'bold':
        return <strong key={i}>{renderInline(node.children, ctx)}</strong>;
      case 'italic':
        return <em key={i}>{renderInline(node.children, ctx)}</em>;
      case 'link':
        // The parser lets only http: and https: through; React sets href as an attribute, never HTML.
        return (
          <a key={i} href={node.href} target="_blank" rel="noopener noreferrer nofollow ugc">
            {renderInline(node.children, ctx)}
          </a>
        );
      case 'mention': {
        const name = node.username.toLowerCase();
        if (!ctx.mentioned.has(name)) return `@${node.username}`;
        return (
          <span key={i} className={name === ctx.me ? 'mention mention-me' : 'mention'} data-testid="mention">
            @{node.username}
          </span>
        );
      }
    }
  });
}

function renderLines(lines: Inline[][], ctx: MentionContext): ReactNode[] {
  // A newline as text, not <br>: the body keeps white-space: pre-wrap, and copied text keeps its lines.
  return lines.flatMap((line, i) => (i === 0 ? renderInline(line, ctx) : ['\n', ...renderInline(line, ctx)]));
}

function renderBlock(block: Block, i: number, ctx: MentionContext): ReactNode {
  switch (block.type) {
    case 'paragraph':
      return (
        <p key={i} className="md-p">
          {renderLines(block.lines, ctx)}
        </p>
      );
    case 'code':
      return (
        <pre key={i} className="md-code">
          <code>{block.text}</code>
        </pre>
      );
    case 'quote':
      return (
        <blockquote key={i} className="md-quote">
          {renderLines(block.lines, ctx)}
        </blockquote>
      );
    case 'list': {
      const items = block.items.map((item, j) => <li key={j}>{renderInline(item, ctx)}</li>);
      return block.ordered ? (
        <ol key={i} className="md-list" start={block.start}>
          {items}
        </ol>
      ) : (
        <ul key={i} className="md-list">
          {items}
        </ul>
      );
    }
  }
}

/**
 * A message body with the safe Markdown subset, built as React elements (React escapes every
 * string; nothing here sets HTML). Long bodies collapse behind "Show more".
 */
export function MessageBody(props: { text: string; mentions?: User[] | undefined; me?: string | undefined }) {
  const [expanded, setExpanded] = useState(false);
  const ctx: MentionContext = {
    mentioned: new Set((props.mentions ?? []).map((u) => u.username.toLowerCase())),
    me: props.me?.toLowerCase(),
  };
  const long = isLong(props.text);
  return (
    <div className={`md${long && !expanded ? ' md-collapsed' : ''}`}>
      {parseMarkdown(props.text).map((block, i) => renderBlock(block, i, ctx))}
      {long && (
        <button type="button" className="link-button show-more" onClick={() => setExpanded((e) => !e)}>
          {expanded ? 'Show less' : 'Show more'}
        </button>
      )}
    </div>
  );
}

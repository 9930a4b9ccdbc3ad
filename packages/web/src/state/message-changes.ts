import { REPLY_EXCERPT_MAX, type Message, type ReplyRef } from '@parley/protocol';

/*
 * Pure state changes for messages that change (issue 14): edits, deletes and reactions applied
 * by version, replies' excerpts kept current, and the composer's reply/edit mode.
 */

/** The excerpt a reply shows of the message it answers ('' once deleted), as the server cuts it. */
export function excerptOf(body: string): string {
  const chars = [...body];
  return chars.length > REPLY_EXCERPT_MAX ? `${chars.slice(0, REPLY_EXCERPT_MAX - 1).join('')}…` : body;
}

/**
 * Applies changed messages to a room's list: each replaces the copy with the same id when its
 * version is higher (an older or repeated update changes nothing), and replies to it get its
 * current excerpt. Messages not in the list are ignored: history brings them as they stand.
 */
export function applyChanges(messages: Message[], changed: Message[]): Message[] {
  const newest = new Map<string, Message>();
  for (const c of changed) if ((newest.get(c.id)?.version ?? -1) < c.version) newest.set(c.id, c);
  let touched = false;
  const next = messages.map((m) => {
    const update = newest.get(m.id);
    let result = update && update.version > m.version ? update : m;
    const parent = result.replyTo && newest.get(result.replyTo.id);
    if (parent && result.replyTo) {
      const excerpt = parent.deletedAt ? '' : excerptOf(parent.body);
      if (excerpt !== result.replyTo.excerpt) result = { ...result, replyTo: { ...result.replyTo, excerpt } };
    }
    if (result !== m) touched = true;
    return result;
  });
  return touched ? next : messages;
}

/** Whether the user has reacted with this emoji (the chip's toggle state). */
export function hasReacted(message: Message, emoji: string, userId: string | undefined): boolean {
  return message.reactions.some((r) => r.emoji === emoji && r.users.some((u) => u.id === userId));
}

/** The user's last message that can still be edited (Up in an empty composer). */
export function lastEditable(messages: Message[], userId: string | undefined): Message | undefined {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m && m.sender.id === userId && !m.deletedAt) return m;
  }
  return undefined;
}

/** What the composer is doing besides writing a new message. */
export type ComposeMode =
  { kind: 'new' } | { kind: 'reply'; to: ReplyRef } | { kind: 'edit'; messageId: string; original: string };

export type ComposeEvent =
  | { type: 'reply'; message: Message }
  | { type: 'edit'; message: Message }
  | { type: 'cancel' }
  | { type: 'sent' }
  | { type: 'changed'; messages: Message[] };

export const idle: ComposeMode = { kind: 'new' };

export function compose(mode: ComposeMode, event: ComposeEvent): ComposeMode {
  switch (event.type) {
    case 'reply':
      if (event.message.deletedAt) return mode;
      return {
        kind: 'reply',
        to: {
          id: event.message.id,
          seq: event.message.seq,
          sender: event.message.sender,
          excerpt: excerptOf(event.message.body),
        },
      };
    case 'edit':
      return event.message.deletedAt
        ? mode
        : { kind: 'edit', messageId: event.message.id, original: event.message.body };
    case 'cancel':
    case 'sent':
      return idle;
    case 'changed': {
      // The message being answered or edited was deleted meanwhile: nothing left to do.
      const target = mode.kind === 'reply' ? mode.to.id : mode.kind === 'edit' ? mode.messageId : undefined;
      return event.messages.some((m) => m.id === target && m.deletedAt) ? idle : mode;
    }
  }
}

/** Long messages collapse: more than this many characters or lines shows "Show more". */
export const COLLAPSE_CHARS = 1200;
export const COLLAPSE_LINES = 16;
export function isLong(body: string): boolean {
  if (body.length > COLLAPSE_CHARS) return true;
  let lines = 1;
  for (const ch of body) if (ch === '\n' && ++lines > COLLAPSE_LINES) return true;
  return false;
}

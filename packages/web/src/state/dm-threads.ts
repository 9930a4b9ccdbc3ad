import type { User } from '@parley/protocol';
import type { AppState, DmMessage, DmThread } from './app-state.js';

/** Conversations are keyed by lower-case username: the server compares usernames case-insensitively. */
export const threadKey = (username: string) => username.toLowerCase();

export function emptyThread(peer: User): DmThread {
  return {
    peer,
    messages: [],
    unread: 0,
    peerKey: undefined,
    safetyNumber: undefined,
    keyChanged: undefined,
    keyProblem: undefined,
    undecryptable: 0,
  };
}

export function withThread(s: AppState, peer: User): AppState {
  const key = threadKey(peer.username);
  return s.dms[key] ? s : { ...s, dms: { ...s.dms, [key]: emptyThread(peer) } };
}

export function updateThread(s: AppState, username: string, update: (thread: DmThread) => DmThread): AppState {
  const key = threadKey(username);
  const thread = s.dms[key];
  return thread ? { ...s, dms: { ...s.dms, [key]: update(thread) } } : s;
}

/** Applies `patch` to the message with this local id or server id, in whichever thread holds it. */
export function patchMessage(
  s: AppState,
  match: { localId?: string; id?: string },
  patch: Partial<DmMessage>,
): AppState {
  for (const [key, thread] of Object.entries(s.dms)) {
    const index = thread.messages.findIndex(
      (m) =>
        (match.localId !== undefined && m.localId === match.localId) || (match.id !== undefined && m.id === match.id),
    );
    if (index < 0) continue;
    const messages = thread.messages.slice();
    const current = messages[index];
    if (!current) return s;
    messages[index] = { ...current, ...patch };
    return { ...s, dms: { ...s.dms, [key]: { ...thread, messages } } };
  }
  return s;
}

export function findMessage(s: AppState, match: { localId?: string; id?: string }): DmMessage | undefined {
  for (const thread of Object.values(s.dms)) {
    const found = thread.messages.find((m) => m.localId === match.localId || (match.id && m.id === match.id));
    if (found) return found;
  }
  return undefined;
}

/** Inserts by sentAt, so a message decrypted late still lands in its place; each id once. */
export function insertMessage(messages: DmMessage[], message: DmMessage): DmMessage[] {
  if (messages.some((m) => m.localId === message.localId)) return messages;
  const next = [...messages, message];
  return next.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
}

/**
 * A message of ours still waiting when its time is up is expired, even if the server's
 * `dm:status` never reaches us (it is sent once, and we may have been offline then).
 */
export function isOverdue(message: DmMessage, now: number, graceMs: number): boolean {
  return message.mine && message.status === 'queued' && Date.parse(message.expiresAt) + graceMs <= now;
}

/** A message shown in its thread (theirs, or ours from another device); unread unless being viewed. */
export function addToThread(
  s: AppState,
  peer: User,
  message: DmMessage,
  options: { viewing: boolean; request: boolean },
): AppState {
  return updateThread(withThread(s, peer), peer.username, (t) => ({
    ...t,
    messages: insertMessage(t.messages, message),
    unread: options.viewing || message.mine ? t.unread : t.unread + 1,
    // A request stays one until accepted; a message from a buddy (no request) never makes one,
    // nor does an answer in a conversation we wrote in first.
    request: t.request === true || (options.request && !t.messages.some((m) => m.mine) && !message.mine),
  }));
}

/** One more message that could not be decrypted here: counted, so the conversation says so. */
export function countUndecryptable(s: AppState, peer: User): AppState {
  return updateThread(withThread(s, peer), peer.username, (t) => ({ ...t, undecryptable: t.undecryptable + 1 }));
}

/** The user accepted a message request: a normal conversation from now on. */
export function acceptRequest(s: AppState, username: string): AppState {
  return updateThread(s, username, (t) => (t.request ? { ...t, request: false } : t));
}

import type { Message, RequestName } from '@parley/protocol';
import { formatRoute } from './route.js';
import { describeError, type Ctx } from './context.js';
import { applyChanges, hasReacted } from './message-changes.js';

export type MessageActions = ReturnType<typeof createMessageActions>;

/** Edits, deletes and reactions: each request's answer and every message:update go through `apply`. */
export function createMessageActions(ctx: Ctx) {
  function apply(roomId: string, changed: Message[]): void {
    ctx.updateRoom(roomId, (v) => {
      const messages = applyChanges(v.messages, changed);
      return messages === v.messages ? v : { ...v, messages };
    });
  }

  async function change(
    event: Extract<RequestName, 'message:edit' | 'message:delete' | 'reaction:set'>,
    payload: Record<string, unknown>,
    what: string,
  ): Promise<boolean> {
    const client = ctx.client;
    if (!client) return false;
    // The payload was built by the typed helpers below; the union of the three requests is one shape here.
    const result = await client.request(event, payload as never);
    if (!result.ok) {
      ctx.toast('error', `Could not ${what}: ${describeError(result.error)}`);
      return false;
    }
    apply(result.message.roomId, [result.message]);
    return true;
  }

  return {
    apply,
    edit: (messageId: string, body: string) => change('message:edit', { messageId, body }, 'edit the message'),
    remove: (messageId: string) => change('message:delete', { messageId }, 'delete the message'),
    /** Toggles the user's reaction with this emoji. */
    react(message: Message, emoji: string): Promise<boolean> {
      const on = !hasReacted(message, emoji, ctx.store.get().me?.id);
      return change('reaction:set', { messageId: message.id, emoji, on }, 'react');
    },
    async copyLink(message: Message): Promise<void> {
      const link = `${location.origin}${formatRoute({ kind: 'room', roomId: message.roomId, seq: message.seq })}`;
      try {
        await navigator.clipboard.writeText(link);
        ctx.toast('info', 'Link copied');
      } catch {
        ctx.toast('error', 'Could not copy the link');
      }
    },
  };
}

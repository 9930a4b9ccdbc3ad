import { z } from 'zod';
import { Body, Id, type Message } from './entities.js';
import { REACTION_EMOJI_MAX } from './limits.js';

/**
 * One emoji (a sequence: skin tones, ZWJ families, flags and keycaps included), nothing else:
 * a reaction is never free text.
 */
export const EMOJI_PATTERN =
  /^(?=.*(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3))(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\u200d|\ufe0f|\u20e3|[#*0-9])+$/u;
export const Emoji = z.string().max(REACTION_EMOJI_MAX).regex(EMOJI_PATTERN, 'must be an emoji');

/** `message:edit`: own messages only; the new body replaces the old one, which is not kept. */
export const MessageEdit = z.object({ messageId: Id, body: Body });
/** `message:delete`: own messages, or any for the room's owner and moderators. Idempotent. */
export const MessageDelete = z.object({ messageId: Id });
/** `reaction:set`: members only; setting what is already set changes nothing. */
export const ReactionSet = z.object({ messageId: Id, emoji: Emoji, on: z.boolean() });

/** `message:update`: messages that changed (edit, delete, reaction), coalesced like message:new. */
export interface MessageUpdate {
  roomId: string;
  messages: Message[];
}

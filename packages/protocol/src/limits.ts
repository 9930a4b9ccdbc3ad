/** Limits that are part of the contract: both sides check them. */
export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]{3,32}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const BODY_MAX = 4000;
export const ROOM_NAME_MAX = 64;
export const ROOM_TOPIC_MAX = 256;
export const ROOM_CAPACITY_MAX = 100_000;
export const ROOM_CAPACITY_DEFAULT = 1000;
/** room:join without sinceSeq answers with this many latest messages. */
export const JOIN_LATEST = 50;
/** room:join with sinceSeq answers with at most this many, then hasMore: true. */
export const CATCH_UP_MAX = 500;
export const HISTORY_LIMIT_MAX = 100;
export const HISTORY_LIMIT_DEFAULT = 50;
export const DM_TTL_DEFAULT_SECONDS = 120;
export const DM_TTL_MAX_SECONDS = 600;
export const DM_PAYLOAD_MAX = 16_384;
export const PUBLIC_KEY_MAX = 1024;
/** Extension: devices (key pairs) one user may have; publishing one more replaces the oldest. */
export const DEVICES_MAX = 8;
/** Extension: ciphertexts one dm:send may carry (every device of both people). */
export const DM_COPIES_MAX = 2 * DEVICES_MAX;
/**
 * `call:signal`'s data as JSON: a sealed offer carries one copy per device of the callee (up to
 * DEVICES_MAX copies of a few KB of SDP each), so it stays under MAX_EVENT_BYTES' default.
 */
export const CALL_SIGNAL_DATA_MAX = 60_000;
/** room:list answers at most this many rooms a page (default: ROOM_LIST_LIMIT_DEFAULT). */
export const ROOM_LIST_LIMIT_MAX = 100;
export const ROOM_LIST_LIMIT_DEFAULT = 50;
export const ROOM_LIST_CURSOR_MAX = 256;
/** Wave 2: a reaction's emoji, in UTF-16 code units (a ZWJ family fits). */
export const REACTION_EMOJI_MAX = 32;
/** Different emojis one message may carry; a new one past this is refused TOO_LARGE. */
export const REACTIONS_PER_MESSAGE_MAX = 20;
/** Users listed per reaction; `count` stays exact above it. */
export const REACTION_USERS_SHOWN = 20;
/** A reply's excerpt of the message it answers, in characters. */
export const REPLY_EXCERPT_MAX = 140;
/** `@username` mentions resolved per message; more are left as plain text. */
export const MENTIONS_MAX = 20;
/** Slow mode: at most six hours between two messages of a member. */
export const SLOW_MODE_MAX_SECONDS = 21_600;

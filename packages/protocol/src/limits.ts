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
export const CALL_SIGNAL_DATA_MAX = 16_384;
/** room:list answers at most this many rooms a page (default: ROOM_LIST_LIMIT_DEFAULT). */
export const ROOM_LIST_LIMIT_MAX = 100;
export const ROOM_LIST_LIMIT_DEFAULT = 50;
export const ROOM_LIST_CURSOR_MAX = 256;

import { randomUUID } from 'node:crypto';

/**
 * Values many answers carry unchanged, encoded to JSON once (issue 17). After a crash the
 * clients of a room re-join together and get the same catch-up (rooms/catch-up-memo.ts):
 * encoding its 20 messages for every client was the largest single cost left in a re-join.
 * A value marked here must never be changed afterwards.
 */
const shared = new WeakSet<object>();
const encoded = new WeakMap<object, string>();

export function encodeOnce<T extends object>(value: T): T {
  shared.add(value);
  return value;
}

/**
 * Stands in for a shared value while the rest of the answer is encoded. Random per process:
 * no text a client sends can contain it, since no client can know it.
 */
const STAND_IN = `\u0001shared:${randomUUID()}`;
const STAND_IN_JSON = JSON.stringify(STAND_IN);

/**
 * `JSON.stringify(value)` for an object (the answer of a request), with each shared value among the top-level properties of an object
 * encoded once for all answers: the same text, character for character.
 */
export function stringifyAnswer(value: object): string {
  if (!isPlainObject(value)) return JSON.stringify(value);
  let copy: Record<string, unknown> | undefined;
  const parts: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'object' || field === null || !shared.has(field)) continue;
    let json = encoded.get(field);
    if (json === undefined) {
      json = JSON.stringify(field);
      encoded.set(field, json);
    }
    copy ??= { ...value };
    copy[key] = STAND_IN;
    parts.push(json);
  }
  if (!copy) return JSON.stringify(value);
  // Properties keep their order in the copy, so the stand-ins appear in the order of `parts`.
  const pieces = JSON.stringify(copy).split(STAND_IN_JSON);
  // Cannot happen (no text holds the stand-in); if it did, the plain encoding is still right.
  if (pieces.length !== parts.length + 1) return JSON.stringify(value);
  return pieces.reduce((text, piece, i) => text + parts[i - 1] + piece);
}

/** Only a plain object's own properties are its JSON (no toJSON, no prototype to lose in a copy). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

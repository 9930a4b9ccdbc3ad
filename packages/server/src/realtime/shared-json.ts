import { randomUUID } from 'node:crypto';

/**
 * Values many answers carry unchanged, encoded to JSON once (issue 17). After a crash the
 * clients of a room re-join together and get the same catch-up (rooms/catch-up-memo.ts):
 * encoding its 20 messages for every client was the largest single cost left in a re-join.
 * A value marked here must never be changed afterwards.
 */
const shared = new WeakSet<object>();
/** A shared value's JSON, as text and (once an ack frame needed it) as UTF-8. */
interface Encoded {
  text: string;
  utf8?: Buffer;
}
const encoded = new WeakMap<object, Encoded>();

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
 * The JSON of an answer with shared values among its top-level properties, in order: the
 * answer's own text between the shared values' kept encodings (`pieces.length` is
 * `parts.length + 1`). Undefined when nothing in it is shared.
 */
function split(value: object): { pieces: string[]; parts: Encoded[] } | undefined {
  if (!isPlainObject(value)) return undefined;
  let copy: Record<string, unknown> | undefined;
  const parts: Encoded[] = [];
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'object' || field === null || !shared.has(field)) continue;
    let json = encoded.get(field);
    if (json === undefined) {
      json = { text: JSON.stringify(field) };
      encoded.set(field, json);
    }
    copy ??= { ...value };
    copy[key] = STAND_IN;
    parts.push(json);
  }
  if (!copy) return undefined;
  // Properties keep their order in the copy, so the stand-ins appear in the order of `parts`.
  const pieces = JSON.stringify(copy).split(STAND_IN_JSON);
  // Cannot happen (no text holds the stand-in); if it did, the caller encodes it plainly.
  return pieces.length === parts.length + 1 ? { pieces, parts } : undefined;
}

/**
 * `JSON.stringify(value)` for an object (the answer of a request), with each shared value among the top-level properties of an object
 * encoded once for all answers: the same text, character for character.
 */
export function stringifyAnswer(value: object): string {
  const found = split(value);
  if (!found) return JSON.stringify(value);
  const { pieces, parts } = found;
  return pieces.reduce((text, piece, i) => text + (parts[i - 1]?.text ?? '') + piece);
}

/**
 * The same JSON as `stringifyAnswer`, as pieces to be written one after another: the answer's
 * own text, and each shared value's UTF-8 encoded once for every answer that carries it (a
 * re-join's 20 messages were encoded again into each client's frame; issue 17).
 */
export function answerUtf8Pieces(value: object): (string | Buffer)[] {
  const found = split(value);
  if (!found) return [JSON.stringify(value)];
  const { pieces, parts } = found;
  const out: (string | Buffer)[] = [pieces[0] ?? ''];
  parts.forEach((part, i) => {
    part.utf8 ??= Buffer.from(part.text);
    out.push(part.utf8, pieces[i + 1] ?? '');
  });
  return out;
}

/** Only a plain object's own properties are its JSON (no toJSON, no prototype to lose in a copy). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

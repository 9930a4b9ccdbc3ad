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

const isShared = (field: unknown): field is object => typeof field === 'object' && field !== null && shared.has(field);

function keptEncoding(field: object): Encoded {
  let json = encoded.get(field);
  if (json === undefined) {
    json = { text: JSON.stringify(field) };
    encoded.set(field, json);
  }
  return json;
}

/**
 * The JSON of an answer with shared values among its top-level properties, in order: the
 * answer's own text between the shared values' kept encodings (`pieces.length` is
 * `parts.length + 1`). Undefined when nothing in it is shared.
 *
 * Each property is encoded on its own, as JSON.stringify encodes it in place: own enumerable
 * keys in their order, a property whose value has no JSON (undefined, a function) left out. A
 * value's toJSON is called with '' instead of its key, which no answer relies on. (Encoding a
 * copy with stand-ins and splitting the text at them cost 12 µs a re-join; issue 17.)
 */
function split(value: object): { pieces: string[]; parts: Encoded[] } | undefined {
  if (!isPlainObject(value) || 'toJSON' in value) return undefined;
  const keys = Object.keys(value);
  if (!keys.some((key) => isShared(value[key]))) return undefined;
  const pieces: string[] = [];
  const parts: Encoded[] = [];
  let text = '{';
  let first = true;
  for (const key of keys) {
    const field = value[key];
    const kept = isShared(field) ? keptEncoding(field) : undefined;
    const json = kept ? '' : (JSON.stringify(field) as string | undefined);
    if (json === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${json}`;
    first = false;
    if (kept) {
      pieces.push(text);
      parts.push(kept);
      text = '';
    }
  }
  pieces.push(`${text}}`);
  return { pieces, parts };
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

/** Only a plain object's own properties are its JSON (no prototype's toJSON). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

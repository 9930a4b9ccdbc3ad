import { describe, expect, it } from 'vitest';
import { encodeOnce, stringifyAnswer } from './shared-json.js';
import { encodeAck } from './socketio-wire.js';

describe('answers with shared parts encoded once (issue 17)', () => {
  it('gives exactly the text JSON.stringify gives, wherever the shared values sit', () => {
    const messages = encodeOnce([
      { seq: 1, body: 'quotes " and \\u0001 and "}' },
      { seq: 2, body: '' },
    ]);
    const members = encodeOnce([{ id: 'a', username: 'ann' }]);
    const answers = [
      { ok: true, room: { id: 'r' }, messages, hasMore: false },
      { members, messages, version: 3 },
      { messages },
      { ok: true, nothing: 'shared', list: [1, 2] },
    ];
    for (const answer of answers) expect(stringifyAnswer(answer)).toBe(JSON.stringify(answer));
    // Twice: the second time from the kept encoding.
    expect(stringifyAnswer(answers[0]!)).toBe(JSON.stringify(answers[0]));
  });

  it('leaves non-plain values and the ack frame as they were', () => {
    const date = new Date(0);
    expect(stringifyAnswer(date)).toBe(JSON.stringify(date));
    const result = { ok: true, messages: encodeOnce([{ seq: 1 }]) };
    expect(encodeAck(7, result)).toBe(`437${JSON.stringify([result])}`);
    expect(encodeAck(8, undefined)).toBe('438[null]');
  });
});

import { describe, expect, it } from 'vitest';
import { encodeOnce, stringifyAnswer } from './shared-json.js';
import { ackFrame, encodeAck, textFrame } from './socketio-wire.js';

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
      // What JSON.stringify leaves out or turns into something else, and keys in integer order.
      { 2: 'two', gone: undefined, fn: () => 1, messages, at: new Date(0), 1: 'one', 'quo"te': null },
      { members: undefined, messages, version: undefined },
      { toJSON: () => 'whole', messages },
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

  it('builds an ack frame byte for byte as the frame of its text, at every length form', () => {
    // Multi-byte UTF-8 in the shared values and in the answer's own text: lengths count bytes.
    const body = (n: number) => 'é€😀 "quoted" '.repeat(n);
    for (const size of [0, 3, 2_000]) {
      const messages = encodeOnce([{ seq: 1, body: body(size) }]);
      const members = encodeOnce([{ id: 'a', username: 'ånn' }]);
      const answers = [
        { room: { name: body(size) }, members, messages, hasMore: false },
        { messages },
        { plain: body(size) },
      ];
      for (const answer of answers) {
        const expected = textFrame(encodeAck(41, answer));
        expect(ackFrame(41, answer).equals(expected)).toBe(true);
        // Again from the kept UTF-8.
        expect(ackFrame(41, answer).equals(expected)).toBe(true);
      }
    }
    expect(ackFrame(9, undefined).equals(textFrame('439[null]'))).toBe(true);
    // The three header forms (7-bit, 16-bit and 64-bit lengths), as RFC 6455 writes them.
    expect([...ackFrame(1, { messages: encodeOnce([]) }).subarray(0, 2)]).toEqual([
      0x81,
      '431[{"messages":[]}]'.length,
    ]);
    expect(textFrame('x'.repeat(200))[1]).toBe(126);
    const large = ackFrame(2, { messages: encodeOnce([body(5_000)]) });
    expect(large[1]).toBe(127);
    expect(Number(large.readBigUInt64BE(2))).toBe(large.length - 10);
  });
});

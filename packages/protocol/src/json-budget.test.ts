import { describe, expect, it } from 'vitest';
import { CallSignal } from './buddies.js';
import { FREE_FORM_DEPTH_MAX, measureJson } from './json-budget.js';
import { CALL_SIGNAL_DATA_MAX } from './limits.js';
import { parseWith } from './validation.js';

const roomy = { maxLength: 1_000_000, maxDepth: 1000, maxNodes: 100_000 };

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

const signal = (data: unknown) => ({ to: 'bob_b', callId: 'c1', kind: 'offer', data });

describe('measuring free-form data without recursion', () => {
  it('counts exactly what JSON.stringify writes, keys, escapes and odd values included', () => {
    const samples: unknown[] = [
      null,
      true,
      false,
      0,
      -1.5e-300,
      1e21,
      Number.NaN,
      'plain',
      'quote " backslash \\ newline \n tab \t nul \u0000 emoji 😀 lone \ud800',
      [],
      {},
      [1, 'two', null, [3, { four: 4 }]],
      { __proto__: 1, constructor: { toString: 'x' }, 'k"ey': [true] },
      JSON.parse('{"__proto__": {"a": 1}, "b": [[], {}]}'),
      { skipped: undefined, fn: () => 1, kept: 1 },
      [undefined, () => 1, 2],
    ];
    for (const sample of samples) {
      expect(measureJson(sample, roomy), JSON.stringify(sample)).toEqual({
        ok: true,
        length: JSON.stringify(sample).length,
      });
    }
  });

  it('refuses data nested past the depth limit, even 200,000 deep, without throwing', () => {
    expect(measureJson(nested(32), { ...roomy, maxDepth: 32 }).ok).toBe(true);
    expect(measureJson(nested(33), { ...roomy, maxDepth: 32 })).toEqual({ ok: false, exceeded: 'depth' });
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown;
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(measureJson(deep, roomy)).toEqual({ ok: false, exceeded: 'depth' });
  });

  it('refuses too many values and too long a text, stopping at the first limit passed', () => {
    const wide = Array.from({ length: 50_000 }, () => 0);
    expect(measureJson(wide, { ...roomy, maxNodes: 100 })).toEqual({ ok: false, exceeded: 'nodes' });
    expect(measureJson('x'.repeat(20), { ...roomy, maxLength: 21 })).toEqual({ ok: false, exceeded: 'length' });
    expect(measureJson('x'.repeat(19), { ...roomy, maxLength: 21 })).toEqual({ ok: true, length: 21 });
    expect(measureJson(10n, roomy)).toEqual({ ok: false, exceeded: 'length' });
  });
});

describe("call:signal's free-form data", () => {
  it('accepts an SDP-sized offer and data up to the limit', () => {
    expect(parseWith(CallSignal, signal({ type: 'offer', sdp: 'v=0\r\n'.repeat(500) })).ok).toBe(true);
    const atLimit = 'x'.repeat(CALL_SIGNAL_DATA_MAX - 2);
    expect(parseWith(CallSignal, signal(atLimit)).ok).toBe(true);
  });

  it('answers TOO_LARGE naming data when it is longer than the limit as JSON', () => {
    const outcome = parseWith(CallSignal, signal('x'.repeat(CALL_SIGNAL_DATA_MAX)));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    if (!outcome.ok) expect(outcome.error.message).toMatch(/^data:/);
  });

  it('answers BAD_REQUEST naming data when it is nested 20,000 deep or too deep, never throwing', () => {
    const deep = JSON.parse('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)) as unknown;
    for (const data of [deep, nested(FREE_FORM_DEPTH_MAX + 1)]) {
      const outcome = parseWith(CallSignal, signal(data));
      expect(outcome).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      if (!outcome.ok) expect(outcome.error.message).toMatch(/^data: must be nested at most/);
    }
  });

  it('answers BAD_REQUEST to many small values that fit in the length', () => {
    const outcome = parseWith(CallSignal, signal(Array.from({ length: 5000 }, () => 0)));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});

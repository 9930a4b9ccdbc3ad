import type { Message, PresenceStatus } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { Actor, DmRecord, SendRecord } from './actors.js';
import { computeFigures, markNow, violations, wrongPresenceViews, type PhaseOutcome } from './checks.js';

interface FakeActor {
  user: { id: string; username: string };
  sends: SendRecord[];
  received: Message[];
  dms: DmRecord[];
  dmsReceived: Map<string, number>;
  presenceView: Map<string, PresenceStatus>;
  buddyIds: string[];
  connected: boolean;
  reconnects: boolean;
}

function fake(id: string, overrides: Partial<FakeActor> = {}): Actor {
  const actor: FakeActor = {
    user: { id, username: id },
    sends: [],
    received: [],
    dms: [],
    dmsReceived: new Map(),
    presenceView: new Map(),
    buddyIds: [],
    connected: true,
    reconnects: true,
    ...overrides,
  };
  // The checks read only these fields; a real Actor needs a running server.
  return actor as unknown as Actor;
}

const message = (seq: number, clientMsgId: string, senderId = 'a'): Message =>
  ({
    id: `id${seq}`,
    roomId: 'r',
    seq,
    clientMsgId,
    sender: { id: senderId, username: senderId },
    body: '',
  }) as Message;

function outcome(actors: Actor[], history: Message[], overrides: Partial<PhaseOutcome> = {}): PhaseOutcome {
  const marks = markNow(actors, []);
  return {
    fault: 'test',
    marks: {
      ...marks,
      sends: marks.sends.map(() => 0),
      received: marks.received.map(() => 0),
      dms: marks.dms.map(() => 0),
    },
    actors,
    history,
    firstSeq: 0,
    exits: [],
    presenceSeconds: 1,
    presenceWrong: 0,
    seconds: 1,
    ...overrides,
  };
}

const acked = (clientMsgId: string, seq: number): SendRecord => ({ clientMsgId, attempts: 1, errors: [], seq });

describe('the chaos checks', () => {
  it('find no violation when every acknowledged message was stored and shown once, in order', () => {
    const history = [message(1, 'c1'), message(2, 'c2')];
    const a = fake('a', { sends: [acked('c1', 1), acked('c2', 2)], received: history });
    const figures = computeFigures(outcome([a], history));
    expect(violations(figures)).toBe(0);
    expect(figures.acked).toBe(2);
  });

  it('count an acknowledged message that was never stored, and one a connected member never saw', () => {
    const a = fake('a', { sends: [acked('c1', 1), acked('c2', 2)], received: [message(1, 'c1')] });
    const figures = computeFigures(outcome([a], [message(1, 'c1')]));
    expect(figures.lost).toBe(2);
  });

  it('count duplicates, seq gaps and messages shown out of order', () => {
    const history = [message(1, 'c1'), message(3, 'c3'), message(4, 'c1')];
    const a = fake('a', { received: [message(1, 'c1'), message(3, 'c3'), message(1, 'c1')] });
    const figures = computeFigures(outcome([a], history));
    expect(figures.duplicates).toBe(2);
    expect(figures.seqGaps).toBe(1);
    expect(figures.outOfOrder).toBe(1);
  });

  it('count a private message told delivered that its recipient never received', () => {
    const a = fake('a', { dms: [{ to: 'b', clientMsgId: 'd1', id: 'dm1', toldDelivered: true }] });
    const b = fake('b');
    expect(computeFigures(outcome([a, b], [])).falseDelivered).toBe(1);
    b.dmsReceived.set('dm1', 1);
    expect(computeFigures(outcome([a, b], [])).falseDelivered).toBe(0);
  });

  it('count a sent private message whose sender was never told delivered or expired', () => {
    const dms = [
      { to: 'b', clientMsgId: 'd1', id: 'dm1', toldDelivered: false },
      { to: 'b', clientMsgId: 'd2', id: 'dm2', toldDelivered: false, toldExpired: true },
      { to: 'b', clientMsgId: 'd3', toldDelivered: false },
    ];
    const a = fake('a', { dms });
    const figures = computeFigures(outcome([a, fake('b')], []));
    expect([figures.dmSent, figures.dmNoStatus]).toEqual([2, 1]);
    expect(violations(figures)).toBe(1);
    // A fault that empties the outbox forgets what was in flight: counted, not a violation.
    expect(violations(computeFigures(outcome([a, fake('b')], [], { forgetsPrivateMessages: true })))).toBe(0);
    dms[0]!.toldDelivered = true;
    expect(computeFigures(outcome([a, fake('b')], [])).dmNoStatus).toBe(0);
  });

  it('count codes a client cannot retry on, clients that gave up and exits nobody caused', () => {
    const send: SendRecord = { clientMsgId: 'c1', attempts: 3, errors: ['INTERNAL', 'UNAVAILABLE'] };
    const a = fake('a', { sends: [send], connected: false });
    const exits = [{ instance: 0, code: 1, signal: null, injected: false }];
    const figures = computeFigures(outcome([a], [], { exits }));
    expect([figures.wrongCodes, figures.retryable, figures.stuckClients, figures.unexpectedExits]).toEqual([
      1, 1, 1, 1,
    ]);
  });

  it('see a buddy shown online while gone, or offline while connected, in the app or in a fresh list', () => {
    const a = fake('a', { buddyIds: ['b'], presenceView: new Map([['b', 'online']]) });
    const b = fake('b', { buddyIds: ['a'], presenceView: new Map([['a', 'online']]) });
    expect(wrongPresenceViews([a, b], [undefined, undefined])).toBe(0);
    expect(wrongPresenceViews([a, b], [new Map([['b', 'offline']]), undefined])).toBe(1);
    const gone = fake('b', { buddyIds: ['a'], connected: false });
    expect(wrongPresenceViews([a, gone], [undefined, undefined])).toBe(1);
  });
});

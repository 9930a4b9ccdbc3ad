import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toMessage, toRow, type NewMessage, type WriteBatch, type WriteOutcome } from './message-rows.js';
import { createWriteQueue, laneOf } from './write-queue.js';

/** A batch writer that holds every batch until the test finishes it; seqs are counted per room. */
function heldWriter(options: { failing?: Set<string> } = {}) {
  const seqs = new Map<string, number>();
  const inFlight: { inputs: NewMessage[]; finish(): void }[] = [];
  const written: string[][] = [];
  const writeBatch: WriteBatch = (inputs) =>
    new Promise<WriteOutcome[]>((resolve, reject) => {
      const batch = {
        inputs,
        finish() {
          inFlight.splice(inFlight.indexOf(batch), 1);
          if (inputs.some((m) => options.failing?.has(m.roomId))) {
            reject(new Error('database gone'));
            return;
          }
          written.push(inputs.map((m) => m.body));
          resolve(
            inputs.map((m) => {
              const seq = (seqs.get(m.roomId) ?? 0) + 1;
              seqs.set(m.roomId, seq);
              return { kind: 'stored', message: toMessage(toRow(m, seq, seq)) };
            }),
          );
        },
      };
      inFlight.push(batch);
    });
  return { writeBatch, inFlight, written };
}

function send(roomId: string, body: string): NewMessage {
  return {
    id: randomUUID(),
    roomId,
    sender: { id: 'u1', username: 'ann' },
    clientMsgId: randomUUID(),
    body,
    sentAt: new Date(),
  };
}

/** Two room ids that the two-lane queue puts on different lanes. */
function roomsOnTwoLanes(): [string, string] {
  const first = 'room-0';
  for (let i = 1; ; i++) {
    const other = `room-${i}`;
    if (laneOf(other, 2) !== laneOf(first, 2)) return [first, other];
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Finishes the batches in flight, oldest first, until none is left. */
async function finishAll(inFlight: { finish(): void }[]): Promise<void> {
  while (inFlight.length > 0) {
    inFlight[0]!.finish();
    await turn();
  }
}

describe('write queue', () => {
  it('with one lane keeps one batch in flight for all rooms, the next formed of what arrived meanwhile', async () => {
    const { writeBatch, inFlight, written } = heldWriter();
    const write = createWriteQueue(writeBatch);
    const [a, b] = roomsOnTwoLanes();
    const answers = [write(send(a, 'a1')), write(send(b, 'b1'))];
    await turn();
    expect(inFlight.map((x) => x.inputs.map((m) => m.body))).toEqual([['a1', 'b1']]);
    answers.push(write(send(a, 'a2')), write(send(b, 'b2')));
    await turn();
    expect(inFlight).toHaveLength(1);
    await finishAll(inFlight);
    expect(written).toEqual([
      ['a1', 'b1'],
      ['a2', 'b2'],
    ]);
    const outcomes = await Promise.all(answers);
    expect(outcomes.map((o) => (o.kind === 'stored' ? `${o.message.body}#${o.message.seq}` : o.kind))).toEqual([
      'a1#1',
      'b1#1',
      'a2#2',
      'b2#2',
    ]);
  });

  it('with two lanes writes rooms of different lanes side by side, and one room one batch after the other', async () => {
    const { writeBatch, inFlight, written } = heldWriter();
    const write = createWriteQueue(writeBatch, { lanes: 2 });
    const [a, b] = roomsOnTwoLanes();
    const answers = [write(send(a, 'a1')), write(send(b, 'b1'))];
    await turn();
    expect(inFlight.map((x) => x.inputs.map((m) => m.body)).sort()).toEqual([['a1'], ['b1']]);
    // While a1's batch is in flight, room a's next sends wait for it, in arrival order.
    answers.push(write(send(a, 'a2')), write(send(a, 'a3')));
    await turn();
    expect(inFlight).toHaveLength(2);
    const aFirst = inFlight.find((x) => x.inputs[0]!.roomId === a)!;
    aFirst.finish();
    await turn();
    expect(inFlight.map((x) => x.inputs.map((m) => m.body)).sort()).toEqual([['a2', 'a3'], ['b1']]);
    await finishAll(inFlight);
    expect(written).toEqual([['a1'], ['b1'], ['a2', 'a3']]);
    const outcomes = await Promise.all(answers);
    expect(outcomes.map((o) => (o.kind === 'stored' ? `${o.message.body}#${o.message.seq}` : o.kind))).toEqual([
      'a1#1',
      'b1#1',
      'a2#2',
      'a3#3',
    ]);
  });

  it("a failed batch fails only its own sends; the other lane's are stored", async () => {
    const [a, b] = roomsOnTwoLanes();
    const { writeBatch, inFlight } = heldWriter({ failing: new Set([a]) });
    const write = createWriteQueue(writeBatch, { lanes: 2 });
    const answer = (p: Promise<WriteOutcome>) =>
      p.then(
        (o) => o.kind,
        (error: Error) => error.message,
      );
    const answers = Promise.all([answer(write(send(a, 'a1'))), answer(write(send(b, 'b1')))]);
    await turn();
    await finishAll(inFlight);
    expect(await answers).toEqual(['database gone', 'stored']);
  });

  it.each([
    [true, ['batch a1 handed', 'batch a2 handed', 'a1 answered']],
    [false, ['batch a1 handed', 'a1 answered', 'batch a2 handed']],
  ])('answerAfterNextBatch %s: the order of answer and hand-off', async (answerAfterNextBatch, expected) => {
    // Like pg's pool, the writer reaches the database a tick after it is called.
    const events: string[] = [];
    const { writeBatch, inFlight } = heldWriter();
    const handingOff: WriteBatch = async (inputs) => {
      await new Promise<void>((resolve) => process.nextTick(resolve));
      events.push(`batch ${inputs.map((m) => m.body).join(',')} handed`);
      return writeBatch(inputs);
    };
    const write = createWriteQueue(handingOff, { answerAfterNextBatch });
    const first = write(send('room-0', 'a1')).then(() => events.push('a1 answered'));
    await turn();
    const second = write(send('room-0', 'a2'));
    inFlight[0]!.finish();
    await first;
    await turn();
    expect(events).toEqual(expected);
    await finishAll(inFlight);
    expect((await second).kind).toBe('stored');
  });

  it('spreads rooms over the lanes and keeps each room on one', () => {
    const rooms = Array.from({ length: 1000 }, (_, i) => `room-${i}`);
    const onFirst = rooms.filter((r) => laneOf(r, 2) === 0).length;
    expect(onFirst).toBeGreaterThan(400);
    expect(onFirst).toBeLessThan(600);
    expect(rooms.map((r) => laneOf(r, 3))).toEqual(rooms.map((r) => laneOf(r, 3)));
    expect(new Set(rooms.map((r) => laneOf(r, 3)))).toEqual(new Set([0, 1, 2]));
  });
});

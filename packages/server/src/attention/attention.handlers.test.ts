import type { Room } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { Handlers } from '../realtime/handle.js';
import { withReadState } from './attention.handlers.js';
import type { AttentionService } from './attention.service.js';

const room: Room = {
  id: 'room-1',
  name: 'made',
  topic: '',
  capacity: 10,
  memberCount: 1,
  visibility: 'public',
  slowModeSeconds: 0,
};
const ctx = { user: { id: 'ann', username: 'ann' }, socketId: 's1' };

function wrapped(created: AttentionService['created']) {
  const rooms: Handlers = { 'room:create': () => Promise.resolve({ room }) };
  // Only `created` is reached by room:create; the rest of the service is not called here.
  const attention = { created } as Partial<AttentionService> as AttentionService;
  const create = withReadState(rooms, attention)['room:create'];
  if (!create) throw new Error('room:create is not wrapped');
  return create;
}

describe("room:create and the creator's read position", () => {
  it('starts the position for the creator of the room just made', async () => {
    const started: [string, string][] = [];
    const create = wrapped((user, roomId) => {
      started.push([user.id, roomId]);
      return Promise.resolve();
    });
    expect(await create({ name: 'made' }, ctx)).toEqual({ room });
    expect(started).toEqual([['ann', 'room-1']]);
  });

  it('answers the room it made when the position cannot be written (it begins at the first join instead)', async () => {
    const create = wrapped(() => Promise.reject(new Error('database unavailable')));
    expect(await create({ name: 'made' }, ctx)).toEqual({ room });
  });
});

import type { Handlers } from '../realtime/handle.js';
import type { AttentionService } from './attention.service.js';

export function attentionHandlers(attention: AttentionService): Handlers {
  return {
    'read:mark': (input, { user }) => attention.markRead(user, input),
    typing: (input, { user }) => attention.typing(user, input),
    'settings:get': (_input, { user }) => attention.settings(user),
    'settings:update': (input, { user }) => attention.updateSettings(user, input),
  };
}

/**
 * room:join and room:list answer with the caller's read state too (PROTOCOL.md wave 2). The
 * rooms capability stays as it is: its answers are extended here, after it ran.
 */
export function withReadState(rooms: Handlers, attention: AttentionService): Handlers {
  const { 'room:create': create, 'room:join': join, 'room:list': list, 'room:leave': leave } = rooms;
  return {
    ...rooms,
    ...(create && {
      // Without a position from the start, the creator's first room:join would begin it there
      // and mark everything sent before it as read. The room exists by now: if this write fails,
      // the answer still says so, and the position begins at the first room:join as before.
      'room:create': async (input, ctx) => {
        const result = await create(input, ctx);
        await attention.created(ctx.user, result.room.id).catch(() => undefined);
        return result;
      },
    }),
    ...(join && {
      'room:join': async (input, ctx) => {
        const result = await join(input, ctx);
        return { ...result, ...(await attention.joined(ctx.user, input.roomId, result.room.memberCount)) };
      },
    }),
    ...(list && {
      'room:list': async (input, ctx) => {
        const result = await list(input, ctx);
        return { ...result, readStates: await attention.readStates(ctx.user, result.joinedRoomIds) };
      },
    }),
    ...(leave && {
      'room:leave': async (input, ctx) => {
        const result = await leave(input, ctx);
        await attention.left(ctx.user, input.roomId);
        return result;
      },
    }),
  };
}

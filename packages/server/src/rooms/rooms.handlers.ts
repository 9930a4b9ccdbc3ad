import type { Handlers } from '../realtime/handle.js';
import type { RoomsService } from './rooms.service.js';

export function roomsHandlers(rooms: RoomsService): Handlers {
  return {
    'room:create': (input, { user }) => rooms.create(user, input),
    'room:list': (input, { user }) => rooms.list(user, input),
    'room:join': (input, { user, socketId }) => rooms.join(user, input, socketId),
    'room:leave': (input, { user }) => rooms.leave(user, input),
    'room:history': (input, { user }) => rooms.history(user, input),
    'room:update': (input, { user }) => rooms.update(user, input),
    'room:invite': (input, { user }) => rooms.invite(user, input),
    'room:kick': (input, { user }) => rooms.kick(user, input),
    'room:ban': (input, { user }) => rooms.ban(user, input),
    'room:role': (input, { user }) => rooms.setRole(user, input),
    'room:delete': (input, { user }) => rooms.remove(user, input),
    'room:bans': (input, { user }) => rooms.bans(user, input),
    'room:invitations': (_input, { user }) => rooms.invitations(user),
    'room:invite:decline': (input, { user }) => rooms.declineInvite(user, input),
  };
}

import {
  SEARCH_LIMIT_DEFAULT,
  type Message,
  type ParsedRequest,
  type RequestResult,
  type User,
} from '@parley/protocol';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { searchMessages, searchTerms } from './search.store.js';

export interface SearchService {
  search(user: User, input: ParsedRequest<'message:search'>): Promise<RequestResult<'message:search'>>;
}

const encodeCursor = (m: { sentAt: string; id: string }) => Buffer.from(`${m.sentAt}\n${m.id}`).toString('base64url');

function decodeCursor(cursor: string): { sentAt: string; id: string } {
  const [sentAt, id, extra] = Buffer.from(cursor, 'base64url').toString().split('\n');
  if (!sentAt || !id || extra !== undefined) throw new AppError('BAD_REQUEST', 'cursor: not one of ours');
  return { sentAt, id };
}

export function createSearchService(deps: {
  database: Database;
  assertMember(user: User, roomId: string): Promise<void>;
  /** Results show their files like any other read of messages. */
  withAttachments?(messages: Message[]): Promise<Message[]>;
}): SearchService {
  return {
    async search(user, input) {
      if (input.roomId !== undefined) await deps.assertMember(user, input.roomId);
      const terms = searchTerms(input.query);
      if (terms.length === 0) return { messages: [], hasMore: false };
      const limit = input.limit ?? SEARCH_LIMIT_DEFAULT;
      const found = await searchMessages(deps.database, {
        userId: user.id,
        terms,
        limit: limit + 1,
        ...(input.roomId === undefined ? {} : { roomId: input.roomId }),
        ...(input.beforeSeq === undefined ? {} : { beforeSeq: input.beforeSeq }),
        ...(input.cursor === undefined ? {} : { after: decodeCursor(input.cursor) }),
      });
      const page = found.slice(0, limit);
      const messages = (await deps.withAttachments?.(page)) ?? page;
      const hasMore = found.length > limit;
      const last = messages.at(-1);
      return { messages, hasMore, ...(hasMore && last ? { nextCursor: encodeCursor(last) } : {}) };
    },
  };
}

import type { FileInfo } from '@parley/protocol';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { FilesTable } from '../db/schema.js';
import { readAll } from '../db/sqlite-statements.js';

export function toFileInfo(row: FilesTable): FileInfo {
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    contentType: row.content_type,
    url: `/api/files/${row.id}`,
    ...(row.width === null ? {} : { width: Number(row.width) }),
    ...(row.height === null ? {} : { height: Number(row.height) }),
    ...(Number(row.has_preview) === 1 ? { previewUrl: `/api/files/${row.id}/preview` } : {}),
  };
}

export async function insertFile(db: Db, row: FilesTable): Promise<void> {
  await db.insertInto('files').values(row).execute();
}

export async function findFile(db: Db, id: string): Promise<FilesTable | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The file, when `userId` may fetch it: they uploaded it, or they belong to a room where a
 * message carries it. Anyone else learns nothing (not even that it exists).
 */
export async function findFileFor(db: Db, id: string, userId: string): Promise<FilesTable | undefined> {
  return db
    .selectFrom('files')
    .selectAll()
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb('uploader_id', '=', userId),
        eb.exists(
          eb
            .selectFrom('message_attachments')
            .innerJoin('room_members', 'room_members.room_id', 'message_attachments.room_id')
            .select(sql`1`.as('one'))
            .where('message_attachments.file_id', '=', id)
            .where('room_members.user_id', '=', userId),
        ),
      ]),
    )
    .executeTakeFirst();
}

export interface FileForSend {
  id: string;
  uploader_id: string;
  /** The message carrying it, with that message's sender and clientMsgId, if any. */
  message_id: string | null;
  sender_id: string | null;
  client_msg_id: string | null;
}

export async function filesForSend(db: Db, ids: string[]): Promise<FileForSend[]> {
  return db
    .selectFrom('files')
    .leftJoin('message_attachments', 'message_attachments.file_id', 'files.id')
    .leftJoin('messages', 'messages.id', 'message_attachments.message_id')
    .select([
      'files.id',
      'files.uploader_id',
      'message_attachments.message_id',
      'messages.sender_id',
      'messages.client_msg_id',
    ])
    .where('files.id', 'in', ids)
    .execute();
}

/** Links the files to the message, in order; a link that exists already is kept as it is. */
export async function linkFiles(db: Db, messageId: string, roomId: string, fileIds: string[]): Promise<void> {
  await db
    .insertInto('message_attachments')
    .values(fileIds.map((fileId, position) => ({ message_id: messageId, file_id: fileId, room_id: roomId, position })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The files each of the messages carries, by message id, in order. */
export async function attachmentsOf(db: Db, messageIds: string[]): Promise<Map<string, FileInfo[]>> {
  const byMessage = new Map<string, FileInfo[]>();
  if (messageIds.length === 0) return byMessage;
  // Every catch-up asks (issue 17): on SQLite a kept statement per list length.
  const list = messageIds.map(() => '?').join(', ');
  const rows = await readAll<FilesTable & { message_id: string; position: number }>(
    db,
    'select files.*, message_attachments.message_id, message_attachments.position from message_attachments ' +
      `inner join files on files.id = message_attachments.file_id where message_attachments.message_id in (${list}) ` +
      'order by message_attachments.position',
    messageIds,
    () =>
      db
        .selectFrom('message_attachments')
        .innerJoin('files', 'files.id', 'message_attachments.file_id')
        .selectAll('files')
        .select(['message_attachments.message_id', 'message_attachments.position'])
        .where('message_attachments.message_id', 'in', messageIds)
        .orderBy('message_attachments.position')
        .execute(),
  );
  for (const row of rows) {
    const list = byMessage.get(row.message_id) ?? [];
    list.push(toFileInfo(row));
    byMessage.set(row.message_id, list);
  }
  return byMessage;
}

const DELETE_SLICE = 500;

/** Deletes the file rows (their links go with them) and answers which ids were deleted. */
export async function deleteFiles(
  db: Db,
  where: { messageId: string } | { roomId: string } | { fileIds: string[] },
): Promise<FilesTable[]> {
  let linked = db.selectFrom('message_attachments').select('file_id');
  if ('messageId' in where) linked = linked.where('message_id', '=', where.messageId);
  else if ('roomId' in where) linked = linked.where('room_id', '=', where.roomId);
  const query = db.selectFrom('files').selectAll();
  const rows = await ('fileIds' in where
    ? where.fileIds.length === 0
      ? Promise.resolve([])
      : query.where('id', 'in', where.fileIds).execute()
    : query.where('id', 'in', linked).execute());
  // In slices: a big room's files would pass the databases' limit on bound parameters.
  for (let i = 0; i < rows.length; i += DELETE_SLICE) {
    const ids = rows.slice(i, i + DELETE_SLICE).map((r) => r.id);
    await db.deleteFrom('files').where('id', 'in', ids).execute();
  }
  return rows;
}

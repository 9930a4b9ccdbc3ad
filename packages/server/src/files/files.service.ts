import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FILE_ID_PATTERN, type FileInfo, type Message, type User } from '@parley/protocol';
import type { Db } from '../db/database.js';
import type { FilesTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { FileStorage } from './file-storage.js';
import * as store from './files.store.js';
import { processImage, sniffImage } from './images.js';

/** Content types a browser shows without running anything: the only ones served inline. */
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;
const NAME_MAX = 200;

export interface StoredUpload {
  /** The uploaded bytes, already on local disk (the route streamed them there). */
  tempFile: string;
  size: number;
  name: string;
  declaredType: string;
}

export interface FileDownload {
  file: FilesTable;
  body: Readable;
  /** true: shown in the page (verified raster images); false: downloaded. */
  inline: boolean;
  contentType: string;
}

export interface FilesService {
  /** Folder for uploads in progress (local, even when storage is elsewhere). */
  readonly incomingDir: string;
  /** Keeps an upload: images are cleaned of metadata and get a preview. */
  accept(user: User, upload: StoredUpload): Promise<FileInfo>;
  /** The file or its preview, when `user` may see it; NOT_FOUND otherwise (whatever the reason). */
  open(user: User, id: string, variant: 'original' | 'preview'): Promise<FileDownload>;
  /** message:send: every file exists, is the sender's, and is on no other message. */
  check(user: User, fileIds: string[], clientMsgId: string): Promise<void>;
  /** Links the files to the stored message and answers the message with its attachments. */
  link(message: Message, fileIds: string[]): Promise<Message>;
  /** Puts each message's files on it. */
  withAttachments(messages: Message[]): Promise<Message[]>;
  /** Deletes the files a message carries, bytes and all (message deletion calls this). */
  forgetMessageFiles(messageId: string): Promise<void>;
  /** Deletes the files every message of a room carries (room deletion calls this). */
  forgetRoomFiles(roomId: string): Promise<void>;
}

export function createFilesService(deps: {
  db: Db;
  storage: FileStorage;
  incomingDir: string;
  log: Logger;
}): FilesService {
  const { db, storage, log } = deps;

  async function removeBytes(rows: FilesTable[]): Promise<void> {
    // Rows go first (nothing serves the file from then on); bytes that fail to go are only logged.
    for (const row of rows) {
      for (const key of Number(row.has_preview) === 1 ? [row.id, `${row.id}.preview`] : [row.id]) {
        await storage.remove(key).catch((err: unknown) => log.warn({ err, key }, 'file bytes not removed'));
      }
    }
  }

  async function withAttachments(messages: Message[]): Promise<Message[]> {
    const files = await store.attachmentsOf(
      db,
      messages.map((m) => m.id),
    );
    if (files.size === 0) return messages;
    return messages.map((m) => {
      const attached = files.get(m.id);
      return attached ? { ...m, attachments: attached } : m;
    });
  }

  return {
    incomingDir: deps.incomingDir,
    withAttachments,

    async accept(user, upload) {
      const id = randomUUID();
      const format = await sniffImage(upload.tempFile);
      let image: Awaited<ReturnType<typeof processImage>> | undefined;
      if (format) {
        image = await processImage(upload.tempFile, format).catch((err: unknown) => {
          log.info({ err }, 'upload looked like an image but is not one; kept as a file');
          return undefined;
        });
      }
      const row: FilesTable = {
        id,
        uploader_id: user.id,
        name: cleanName(upload.name),
        size: image ? image.cleaned.length : upload.size,
        content_type: image && format ? `image/${format}` : cleanType(upload.declaredType),
        width: image?.width ?? null,
        height: image?.height ?? null,
        has_preview: image ? 1 : 0,
        created_at: new Date().toISOString(),
      };
      if (image) {
        await storage.put(id, Readable.from(image.cleaned));
        await storage.put(`${id}.preview`, Readable.from(image.preview));
      } else {
        await storage.put(id, createReadStream(upload.tempFile));
      }
      await store.insertFile(db, row);
      return store.toFileInfo(row);
    },

    async open(user, id, variant) {
      if (!FILE_ID_PATTERN.test(id)) throw new AppError('NOT_FOUND', 'no such file');
      const file = await store.findFileFor(db, id, user.id);
      if (!file || (variant === 'preview' && Number(file.has_preview) !== 1)) {
        throw new AppError('NOT_FOUND', 'no such file');
      }
      const body = await storage.get(variant === 'preview' ? `${id}.preview` : id);
      if (!body) throw new AppError('NOT_FOUND', 'no such file');
      const contentType = variant === 'preview' ? 'image/webp' : file.content_type;
      return { file, body, contentType, inline: INLINE_TYPES.has(contentType) };
    },

    async check(user, fileIds, clientMsgId) {
      const unique = [...new Set(fileIds)];
      if (unique.length !== fileIds.length) throw new AppError('BAD_REQUEST', 'attachments: a file is listed twice');
      if (!unique.every((id) => FILE_ID_PATTERN.test(id))) throw new AppError('NOT_FOUND', 'attachments: no such file');
      const rows = await store.filesForSend(db, unique);
      for (const id of unique) {
        const row = rows.find((r) => r.id === id);
        // Someone else's file is "no such file": its id tells the sender nothing.
        if (!row || row.uploader_id !== user.id) throw new AppError('NOT_FOUND', 'attachments: no such file');
        const onOtherMessage =
          row.message_id !== null && !(row.sender_id === user.id && row.client_msg_id === clientMsgId);
        if (onOtherMessage) throw new AppError('CONFLICT', 'attachments: a file is on another message already');
      }
    },

    async link(message, fileIds) {
      await store.linkFiles(db, message.id, message.roomId, fileIds);
      const [withFiles] = await withAttachments([message]);
      return withFiles ?? message;
    },

    async forgetMessageFiles(messageId) {
      await removeBytes(await store.deleteFiles(db, { messageId }));
    },

    async forgetRoomFiles(roomId) {
      await removeBytes(await store.deleteFiles(db, { roomId }));
    },
  };
}

/** A folder of this process's own for uploads in progress (instances may share DATA_DIR). */
export async function createIncomingDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-incoming-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const incomingPath = (dir: string) => path.join(dir, randomUUID());

/** The file name as shown: no folders, no control characters, not too long. */
function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (cleaned.length > 0 ? cleaned : 'file').slice(0, NAME_MAX);
}

function cleanType(declared: string): string {
  const type = declared.split(';')[0]?.trim().toLowerCase() ?? '';
  // A client's claim of an image is not believed: only sniffed images are served as images.
  if (!CONTENT_TYPE.test(type) || type.startsWith('image/')) return 'application/octet-stream';
  return type;
}

import type { FileInfo } from '@parley/protocol';

/**
 * Files being attached to a message (issue 15), as pure changes of a list: each upload goes
 * uploading → done (with the server's File) or failed; cancelling removes it.
 */
export interface PendingUpload {
  localId: string;
  name: string;
  size: number;
  /** 0..1 */
  progress: number;
  status: 'uploading' | 'done' | 'failed';
  file?: FileInfo;
  error?: string;
}

export const ATTACH_MAX = 10;

export function addUpload(list: PendingUpload[], localId: string, name: string, size: number): PendingUpload[] {
  return [...list, { localId, name, size, progress: 0, status: 'uploading' }];
}

const patch = (list: PendingUpload[], localId: string, change: Partial<PendingUpload>) =>
  list.map((u) => (u.localId === localId ? { ...u, ...change } : u));

export const progressUpload = (list: PendingUpload[], localId: string, progress: number) =>
  patch(list, localId, { progress: Math.min(1, Math.max(0, progress)) });
export const finishUpload = (list: PendingUpload[], localId: string, file: FileInfo) =>
  patch(list, localId, { status: 'done', progress: 1, file });
export const failUpload = (list: PendingUpload[], localId: string, error: string) =>
  patch(list, localId, { status: 'failed', error });
export const removeUpload = (list: PendingUpload[], localId: string) => list.filter((u) => u.localId !== localId);

/** The files a message may carry now: all uploads done, none failed (a failed one must be removed). */
export function readyFiles(list: PendingUpload[]): FileInfo[] | undefined {
  if (list.some((u) => u.status !== 'done')) return undefined;
  return list.flatMap((u) => (u.file ? [u.file] : []));
}

/** Sendable: text or files, and every upload finished. */
export function canSend(list: PendingUpload[], body: string): boolean {
  const files = readyFiles(list);
  return files !== undefined && (body.trim().length > 0 || files.length > 0);
}

import { z } from 'zod';

/** Wave 2, "Files": what a message's `attachments` hold and POST /api/files answers. */
export const FileInfo = z.object({
  // Not entities.Id: entities imports this module (Message.attachments).
  id: z.string().min(1).max(64),
  name: z.string(),
  size: z.number().int().nonnegative(),
  contentType: z.string(),
  url: z.string(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  /** Extension: present for images, GET it for a small preview made by the server. */
  previewUrl: z.string().optional(),
});
export type FileInfo = z.infer<typeof FileInfo>;

/** A message carries at most this many files. */
export const ATTACHMENTS_MAX = 10;
/** Files are named by UUIDs; anything else is refused before it reaches storage. */
export const FILE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart from '@fastify/multipart';
import type { User } from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenOfRequest } from '../auth/auth.routes.js';
import { AppError } from '../errors.js';
import { incomingPath, type FileDownload, type FilesService } from './files.service.js';

export interface FilesRoutesDeps {
  files: FilesService;
  authenticate(token: string): Promise<User | undefined>;
  maxUploadBytes: number;
}

/**
 * POST /api/files (multipart, one `file` part, streamed to disk, never held in memory) and
 * GET /api/files/:id[/preview]. Registered in their own scope: multipart parsing exists for
 * this route only.
 */
export async function filesRoutes(app: FastifyInstance, deps: FilesRoutesDeps): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: { fileSize: deps.maxUploadBytes, files: 1, fields: 5, fieldSize: 1024, parts: 6, headerPairs: 50 },
    });

    const userOf = async (request: FastifyRequest): Promise<User> => {
      const token = tokenOfRequest(request);
      const user = token ? await deps.authenticate(token) : undefined;
      if (!user) throw new AppError('UNAUTHORIZED', 'sign in first');
      return user;
    };

    scope.post('/api/files', async (request, reply) => {
      const user = await userOf(request);
      if (!request.isMultipart()) throw new AppError('BAD_REQUEST', 'file: send multipart/form-data');
      const temp = incomingPath(deps.files.incomingDir);
      try {
        const part = await request.file();
        if (!part || part.fieldname !== 'file') throw new AppError('BAD_REQUEST', 'file: one part named file');
        await pipeline(part.file, createWriteStream(temp));
        // busboy stops at the limit and ends the stream short, marked truncated.
        if (part.file.truncated) throw Object.assign(new Error('file too large'), { code: 'FST_REQ_FILE_TOO_LARGE' });
        const { size } = await stat(temp);
        const file = await deps.files.accept(user, {
          tempFile: temp,
          size,
          name: part.filename,
          declaredType: part.mimetype,
        });
        return await reply.code(201).send({ file });
      } catch (error) {
        throw asUploadError(error, reply, deps.maxUploadBytes);
      } finally {
        await rm(temp, { force: true });
      }
    });

    const serve = (variant: 'original' | 'preview') => async (request: FastifyRequest, reply: FastifyReply) => {
      const user = await userOf(request);
      const { id } = request.params as { id: string };
      return send(reply, await deps.files.open(user, id, variant));
    };
    scope.get('/api/files/:id', serve('original'));
    scope.get('/api/files/:id/preview', serve('preview'));
  });
}

function send(reply: FastifyReply, download: FileDownload): FastifyReply {
  const { file, inline, contentType } = download;
  const disposition = inline ? 'inline' : 'attachment';
  // RFC 6266: an ASCII fallback, and the real name UTF-8 encoded.
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return (
    reply
      .header('content-type', contentType)
      .header(
        'content-disposition',
        `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeRFC5987(file.name)}`,
      )
      .header('x-content-type-options', 'nosniff')
      // Even if a browser were told to show it, the file runs nothing and reaches nothing.
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=3600')
      .send(download.body)
  );
}

const encodeRFC5987 = (text: string) =>
  encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The protocol's errors for what multipart parsing throws: 413 TOO_LARGE, 400 BAD_REQUEST. */
function asUploadError(error: unknown, reply: FastifyReply, limit: number): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    // The rest of the body is not read: the connection ends with this answer.
    void reply.header('connection', 'close');
    return new AppError('TOO_LARGE', `file: larger than ${limit} bytes`);
  }
  if (typeof code === 'string' && code.startsWith('FST_'))
    return new AppError('BAD_REQUEST', 'file: malformed multipart');
  if (error instanceof Error && /multipart|boundary|Unexpected end/i.test(error.message)) {
    return new AppError('BAD_REQUEST', 'file: malformed multipart');
  }
  return error;
}

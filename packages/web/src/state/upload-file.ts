import type { FileInfo } from '@parley/protocol';

export interface UploadHandle {
  done: Promise<FileInfo>;
  cancel(): void;
}

/**
 * POST /api/files with progress (fetch cannot report upload progress; XMLHttpRequest can).
 * The session cookie goes along (same origin). Rejects with words for the user.
 */
export function uploadFile(baseUrl: string, file: File, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<FileInfo>((resolve, reject) => {
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as { file?: FileInfo; error?: { code: string; message: string } };
        if (xhr.status === 201 && body.file) resolve(body.file);
        else if (xhr.status === 413) reject(new Error('File is too large'));
        else reject(new Error(body.error?.message ?? `Upload failed (${xhr.status})`));
      } catch {
        reject(new Error(`Upload failed (${xhr.status})`));
      }
    };
    xhr.onerror = () => reject(new Error('Upload failed: connection lost'));
    xhr.onabort = () => reject(new Error('Cancelled'));
  });
  const form = new FormData();
  form.append('file', file, file.name || 'pasted');
  xhr.open('POST', `${baseUrl}/api/files`);
  xhr.send(form);
  return { done, cancel: () => xhr.abort() };
}

import { useState } from 'react';
import type { FileInfo } from '@parley/protocol';
import { Modal } from '../ui/modal.js';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * A message's files (issue 15): images inline as the server's preview (never the original
 * scaled by the browser), opening a viewer; anything else as a card that downloads.
 */
export function Attachments({ files }: { files: FileInfo[] | undefined }) {
  const [viewing, setViewing] = useState<FileInfo | undefined>();
  if (!files || files.length === 0) return null;
  return (
    <div className="attachments">
      {files.map((file) =>
        file.previewUrl ? (
          <button
            key={file.id}
            type="button"
            className="attachment-image"
            aria-label={`View image ${file.name}`}
            onClick={() => setViewing(file)}
          >
            <img
              src={file.previewUrl}
              alt={file.name}
              data-testid="attachment-image"
              loading="lazy"
              {...previewSize(file)}
            />
          </button>
        ) : (
          <a
            key={file.id}
            className="attachment-card"
            href={file.url}
            download={file.name}
            data-testid="attachment-file"
          >
            <span className="attachment-icon" aria-hidden="true">
              ⎙
            </span>
            <span className="attachment-name">{file.name}</span>
            <span className="muted small">{formatSize(file.size)}</span>
          </a>
        ),
      )}
      {viewing && (
        <Modal title={viewing.name} onClose={() => setViewing(undefined)}>
          <div className="image-viewer">
            <img src={viewing.url} alt={viewing.name} data-testid="image-viewer" />
            <a href={viewing.url} download={viewing.name} className="link-button">
              Download ({formatSize(viewing.size)})
            </a>
          </div>
        </Modal>
      )}
    </div>
  );
}

/** The preview's box, known before it loads (no jump): the image fitted in 320 × 240. */
function previewSize(file: FileInfo): { width?: number; height?: number } {
  if (!file.width || !file.height) return {};
  const scale = Math.min(1, 320 / file.width, 240 / file.height);
  return { width: Math.round(file.width * scale), height: Math.round(file.height * scale) };
}

import {
  useEffect,
  useRef,
  useState,
  type ClipboardEvent,
  type DragEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { BODY_MAX, type FileInfo } from '@parley/protocol';
import { formatSize } from './attachments.js';
import { uploadFile, type UploadHandle } from '../state/upload-file.js';
import { newUuid } from '../state/uuid.js';
import {
  ATTACH_MAX,
  addUpload,
  canSend,
  failUpload,
  finishUpload,
  progressUpload,
  readyFiles,
  removeUpload,
  type PendingUpload,
} from '../state/uploads.js';

/**
 * Unsent drafts per conversation, for this page's life only (never stored): switching rooms
 * does not lose what you typed. Cleared on sign-out.
 */
const drafts = new Map<string, string>();
export const clearDrafts = () => drafts.clear();

interface Props {
  /** Which conversation the draft belongs to: a room id, or `dm:` and a username. */
  draftKey: string;
  /** The field's accessible name and placeholder, e.g. "Message #design". */
  label: string;
  onSend: (body: string, files?: FileInfo[]) => void;
  /** Why sending is not possible right now; the field stays usable for the draft. */
  blocked?: string | undefined;
  /** Issue 15: files may be attached (button, paste, drag and drop), uploaded to this server. */
  allowFiles?: boolean;
  /** Issue 14: what the message answers or edits, shown above the field. */
  banner?: ReactNode;
  /** Replaces the text whenever `key` changes (editing a message puts its text here). */
  fill?: { key: number; text: string } | undefined;
  /** Up in an empty field (edit your last message). */
  onUpWhenEmpty?: (() => void) | undefined;
  /** Escape (cancel a reply or an edit). */
  onEscape?: (() => void) | undefined;
  submitLabel?: string | undefined;
  /** Called as the user types (the caller throttles what it tells others). */
  onTyping?: () => void;
}

export function Composer({
  draftKey,
  label,
  onSend,
  blocked,
  allowFiles = false,
  banner,
  fill,
  onUpWhenEmpty,
  onEscape,
  submitLabel,
  onTyping,
}: Props) {
  const [uploads, setUploads] = useState<PendingUpload[]>([]);
  const handles = useRef(new Map<string, UploadHandle>());
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    const running = handles.current;
    return () => {
      for (const handle of running.values()) handle.cancel();
    };
  }, []);

  function attach(files: File[]) {
    if (!allowFiles) return;
    for (const file of files.slice(0, Math.max(0, ATTACH_MAX - uploads.length))) {
      const localId = newUuid();
      setUploads((list) => addUpload(list, localId, file.name || 'pasted image', file.size));
      const handle = uploadFile(location.origin, file, (p) => setUploads((list) => progressUpload(list, localId, p)));
      handles.current.set(localId, handle);
      handle.done.then(
        (info) => setUploads((list) => finishUpload(list, localId, info)),
        (error: unknown) => {
          const text = error instanceof Error ? error.message : String(error);
          if (text !== 'Cancelled') setUploads((list) => failUpload(list, localId, text));
        },
      );
    }
  }

  function cancel(localId: string) {
    handles.current.get(localId)?.cancel();
    handles.current.delete(localId);
    setUploads((list) => removeUpload(list, localId));
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const files = [...event.clipboardData.files];
    if (!allowFiles || files.length === 0) return;
    event.preventDefault();
    attach(files);
  }

  function onDrop(event: DragEvent<HTMLFormElement>) {
    setDragging(false);
    if (!allowFiles || event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    attach([...event.dataTransfer.files]);
  }
  const [body, setBodyState] = useState(() => drafts.get(draftKey) ?? '');
  const setBody = (text: string) => {
    setBodyState(text);
    if (text) drafts.set(draftKey, text);
    else drafts.delete(draftKey);
  };
  const ref = useRef<HTMLTextAreaElement>(null);
  const filled = useRef(fill?.key);
  useEffect(() => {
    if (!fill || fill.key === filled.current) return;
    filled.current = fill.key;
    setBody(fill.text);
    ref.current?.focus();
    // setBody only writes the draft map and state; the fill's key alone decides when to run.
  }, [fill?.key]);
  const length = body.trim().length;
  const tooLong = length > BODY_MAX;

  useEffect(() => {
    // Grow with the text up to a few lines, then scroll inside.
    const area = ref.current;
    if (!area) return;
    area.style.height = 'auto';
    area.style.height = `${Math.min(area.scrollHeight, 200)}px`;
  }, [body]);

  const sendable = canSend(uploads, body);
  function send() {
    if (!sendable || tooLong || blocked) return;
    const files = readyFiles(uploads) ?? [];
    onSend(body, files.length > 0 ? files : undefined);
    setUploads([]);
    handles.current.clear();
    setBody('');
    ref.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'ArrowUp' && body === '' && onUpWhenEmpty) {
      event.preventDefault();
      onUpWhenEmpty();
      return;
    }
    if (event.key === 'Escape' && onEscape) {
      event.preventDefault();
      onEscape();
      return;
    }
    // Enter sends; Shift+Enter is a new line; Enter while an IME composes confirms the word.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  return (
    <>
      {banner}
      <form
        className={`composer${dragging ? ' composer-dragging' : ''}`}
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
        onDragOver={(e) => {
          if (!allowFiles || !e.dataTransfer.types.includes('Files')) return;
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        {uploads.length > 0 && (
          <ul className="uploads" aria-label="Attached files">
            {uploads.map((u) => (
              <li key={u.localId} className={`upload upload-${u.status}`} data-testid="upload">
                <span className="upload-name">{u.name}</span>
                <span className="muted small">{formatSize(u.size)}</span>
                {u.status === 'uploading' && <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />}
                {u.status === 'failed' && (
                  <span className="form-error small" role="alert">
                    {u.error}
                  </span>
                )}
                <button type="button" className="link-button" onClick={() => cancel(u.localId)}>
                  {u.status === 'uploading' ? 'Cancel' : 'Remove'}
                </button>
              </li>
            ))}
          </ul>
        )}
        {allowFiles && (
          <>
            <input
              ref={fileInput}
              type="file"
              multiple
              hidden
              data-testid="file-input"
              onChange={(e) => {
                attach([...(e.target.files ?? [])]);
                e.target.value = '';
              }}
            />
            <button
              type="button"
              className="icon-button attach-button"
              aria-label="Attach files"
              title="Attach files (or paste, or drop them here)"
              onClick={() => fileInput.current?.click()}
            >
              +
            </button>
          </>
        )}
        <label className="visually-hidden" htmlFor="composer-input">
          {label}
        </label>
        <textarea
          id="composer-input"
          ref={ref}
          rows={1}
          placeholder={label}
          value={body}
          onChange={(e) => {
            setBody(e.target.value);
            if (e.target.value.trim()) onTyping?.();
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          aria-describedby={tooLong ? 'composer-limit' : blocked ? 'composer-blocked' : undefined}
          autoFocus={window.matchMedia('(pointer: fine)').matches}
        />
        {length > BODY_MAX - 200 && (
          <span id="composer-limit" className={tooLong ? 'limit limit-over' : 'limit'}>
            {BODY_MAX - length}
          </span>
        )}
        {blocked && (
          <span id="composer-blocked" className="visually-hidden">
            {blocked}
          </span>
        )}
        <button type="submit" className="primary send" disabled={!sendable || tooLong || Boolean(blocked)}>
          {submitLabel ?? 'Send'}
        </button>
      </form>
    </>
  );
}

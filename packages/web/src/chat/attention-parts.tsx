import { useEffect, useState } from 'react';
import type { User } from '@parley/protocol';
import { typingLine, typingNames } from '../state/attention.js';
import { useAppState } from '../state/use-controller.js';

/** Where unread messages start, as the room was opened. */
export function UnreadDivider() {
  return (
    <li className="unread-divider" role="separator" data-testid="unread-divider">
      <span>New messages</span>
    </li>
  );
}

/** Under our latest message: who has read it (rooms up to 50 members). */
export function SeenBy({ users }: { users: User[] }) {
  if (users.length === 0) return null;
  const names = users.map((u) => u.username);
  const text = names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  return (
    <li className="seen-by small muted" data-testid="seen-by">
      Seen by {text}
    </li>
  );
}

/** "alice is typing…" under the list; it goes by itself when they stop. */
export function TypingLine({ roomId }: { roomId: string }) {
  const typing = useAppState((s) => s.rooms[roomId]?.typing);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!typing || Object.keys(typing).length === 0) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [typing]);
  const line = typing ? typingLine(typingNames({ typing }, now)) : undefined;
  return (
    <div className="typing-line small muted" aria-live="polite" data-testid="typing-line">
      {line ?? ' '}
    </div>
  );
}

/** "bob is typing…" in a private conversation. */
export function DmTypingLine({ peer }: { peer: string }) {
  const until = useAppState((s) => s.dmTyping[peer.toLowerCase()]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === undefined) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return (
    <div className="typing-line small muted" aria-live="polite" data-testid="typing-line">
      {until !== undefined && until > now ? `${peer} is typing…` : ' '}
    </div>
  );
}

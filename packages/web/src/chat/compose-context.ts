import { createContext } from 'react';
import type { ComposeEvent } from '../state/message-changes.js';

/** How a message's menu reaches the room's composer (reply, edit): provided by ChatView. */
export const ComposeContext = createContext<((event: ComposeEvent) => void) | undefined>(undefined);

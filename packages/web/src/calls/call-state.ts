import type { User } from '@parley/protocol';

/** What a call carries: voice, video, or nothing but the direct (peer-to-peer) chat and files. */
export type CallMedia = 'audio' | 'video' | 'none';
export type CallPhase = 'ringing' | 'connecting' | 'connected' | 'reconnecting' | 'ended';
export type EndReason =
  'hangup' | 'peer-hangup' | 'declined' | 'busy' | 'no-answer' | 'peer-left' | 'failed' | 'no-media' | 'unverified';

export interface CallView {
  callId: string;
  peer: User;
  direction: 'outgoing' | 'incoming';
  media: CallMedia;
  phase: CallPhase;
  endedReason?: EndReason;
  /** When the peers first connected (ms since epoch): the duration counts from it. */
  connectedAt?: number;
  muted: boolean;
  cameraOn: boolean;
  /** The same safety number the private chat shows, from the keys that sealed this call's signals. */
  safetyNumber?: string;
  /** Every candidate went through TURN (the policy or the user's switch). */
  relayOnly: boolean;
  /** The selected candidate pair's local type: 'relay' when TURN carries the call. */
  route?: string;
  framesDecoded: number;
  /** The peer's app left the server (signed out, closed): the call lasts while the peers' link holds. */
  peerOffline: boolean;
}

export interface RingingCall {
  callId: string;
  peer: User;
  media: CallMedia;
  /** Sealed signals that came before the user answered (the offer, then candidates). */
  sealed: { kind: 'offer' | 'candidate'; data: unknown }[];
  at: number;
}

/** One entry of the direct chat: text or a file, sent peer to peer (never through the server). */
export interface DirectItem {
  id: string;
  mine: boolean;
  kind: 'text' | 'file';
  text?: string;
  name?: string;
  size?: number;
  /** Bytes sent or received so far. */
  done: number;
  status: 'sending' | 'receiving' | 'complete' | 'cancelled' | 'failed' | 'sent';
  /** A received file, ready to save (an object URL). */
  url?: string;
  at: number;
}

export interface CallNotice {
  peer: User;
  text: string;
}

export interface CallsState {
  active: CallView | undefined;
  ringing: RingingCall[];
  direct: DirectItem[];
  /** The last thing to tell about a call that is gone ("Missed call from …"). */
  notice: CallNotice | undefined;
  /** The user's own switch: relay-only even where the server allows direct routes. */
  relayOnly: boolean;
}

export const initialCallsState: CallsState = {
  active: undefined,
  ringing: [],
  direct: [],
  notice: undefined,
  relayOnly: false,
};

export function newCall(
  callId: string,
  peer: User,
  direction: CallView['direction'],
  media: CallMedia,
  relayOnly: boolean,
): CallView {
  return {
    callId,
    peer,
    direction,
    media,
    phase: direction === 'outgoing' ? 'ringing' : 'connecting',
    muted: false,
    cameraOn: media === 'video',
    relayOnly,
    framesDecoded: 0,
    peerOffline: false,
  };
}

/** Whether this tab is in a call that still counts ("busy" for anyone else). */
export function inCall(state: CallsState): boolean {
  return state.active !== undefined && state.active.phase !== 'ended';
}

export function startCall(state: CallsState, call: CallView): CallsState {
  return { ...state, active: call, direct: [], notice: undefined };
}

/** Changes the active call, if it is still `callId` (a late event of an old call changes nothing). */
export function patchCall(state: CallsState, callId: string, patch: Partial<CallView>): CallsState {
  if (state.active?.callId !== callId) return state;
  return { ...state, active: { ...state.active, ...patch } };
}

/** The phase a peer connection state maps to; the first `connected` starts the clock. */
export function withPhase(state: CallsState, callId: string, phase: CallPhase, now: number): CallsState {
  const call = state.active;
  if (call?.callId !== callId || call.phase === 'ended' || call.phase === phase) return state;
  const connectedAt = phase === 'connected' ? (call.connectedAt ?? now) : call.connectedAt;
  return patchCall(state, callId, { phase, connectedAt });
}

export function endCall(state: CallsState, callId: string, reason: EndReason): CallsState {
  const call = state.active;
  if (call?.callId !== callId || call.phase === 'ended') return state;
  return patchCall(state, callId, { phase: 'ended', endedReason: reason });
}

export function clearEnded(state: CallsState, callId: string): CallsState {
  if (state.active?.callId !== callId || state.active.phase !== 'ended') return state;
  return { ...state, active: undefined };
}

export function addRinging(state: CallsState, call: RingingCall): CallsState {
  if (state.ringing.some((r) => r.callId === call.callId)) return state;
  return { ...state, ringing: [...state.ringing, call] };
}

/** Keeps what came before the answer (bounded: a flood of candidates cannot grow it forever). */
export function addSealed(state: CallsState, callId: string, signal: RingingCall['sealed'][number]): CallsState {
  const ringing = state.ringing.map((r) =>
    r.callId === callId && r.sealed.length < 64 ? { ...r, sealed: [...r.sealed, signal] } : r,
  );
  return { ...state, ringing };
}

export function stopRinging(state: CallsState, callId: string, notice?: CallNotice): CallsState {
  if (!state.ringing.some((r) => r.callId === callId)) return state;
  return { ...state, ringing: state.ringing.filter((r) => r.callId !== callId), notice: notice ?? state.notice };
}

export function addDirect(state: CallsState, item: DirectItem): CallsState {
  return { ...state, direct: [...state.direct, item] };
}

export function patchDirect(state: CallsState, id: string, mine: boolean, patch: Partial<DirectItem>): CallsState {
  const direct = state.direct.map((d) => (d.id === id && d.mine === mine ? { ...d, ...patch } : d));
  return { ...state, direct };
}

/** Words for how a call ended. */
export function endedText(call: Pick<CallView, 'endedReason' | 'peer'>): string {
  const peer = call.peer.username;
  switch (call.endedReason) {
    case 'peer-hangup':
      return `${peer} hung up`;
    case 'declined':
      return `${peer} declined`;
    case 'busy':
      return `${peer} is busy`;
    case 'no-answer':
      return 'No answer';
    case 'peer-left':
      return `${peer} left Parley`;
    case 'failed':
      return 'The connection was lost';
    case 'no-media':
      return 'No microphone or camera could be used';
    case 'unverified':
      return 'The call could not be verified (keys did not match)';
    default:
      return 'Call ended';
  }
}

/** "m:ss" or "h:mm:ss". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

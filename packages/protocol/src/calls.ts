import type { User } from './entities.js';

/**
 * Extension (Parley): what the server itself says about a call, next to the peers' own
 * `call:signal`s. `peer` is the other party (for `answered-elsewhere`/`declined-elsewhere`, the
 * caller, sent to the callee's every connection; the one that answered ignores it).
 */
export type CallStatusKind =
  /** To the callee's connections: one of them answered; the others stop ringing. */
  | 'answered-elsewhere'
  /** To the callee's connections: one of them declined; the others stop ringing. */
  | 'declined-elsewhere'
  /** To the caller: the callee is in another call; nothing rang. */
  | 'busy'
  /** To the callee: the call rang out unanswered. */
  | 'missed'
  /** To the caller: the call rang out unanswered. */
  | 'no-answer'
  /** The peer's connection that held the call closed (signed out, closed the app). */
  | 'peer-left';

export interface CallStatus {
  callId: string;
  peer: User;
  status: CallStatusKind;
}

/** Extension (Parley): `GET /api/ice` answers the policy clients must apply too. */
export interface IceConfig {
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** `relay`: every call goes through TURN (RTCConfiguration.iceTransportPolicy). */
  iceTransportPolicy: 'all' | 'relay';
}

import type { CallPhase } from './call-state.js';

/**
 * One RTCPeerConnection with the "perfect negotiation" pattern: either side may renegotiate
 * (video on, ICE restart) and a collision resolves itself (the callee is the polite peer).
 * Candidates are batched for a moment so that a burst becomes one sealed signal.
 */
export interface PeerLinkEvents {
  /** A description or candidates to seal and send. */
  signal(kind: 'offer' | 'answer' | 'candidate', payload: unknown): void;
  phase(phase: CallPhase): void;
  remoteStream(stream: MediaStream): void;
  channel(channel: RTCDataChannel): void;
  /** ICE could not be saved by restarts: the call is over. */
  failed(): void;
  /** Between the peer's offer and our answer: where the callee adds its tracks, so one round is enough. */
  beforeAnswer?(): void;
}

export interface PeerLink {
  pc: RTCPeerConnection;
  /** Applies a sealed-and-opened description or candidate batch from the peer. */
  receive(kind: 'offer' | 'answer' | 'candidate', payload: unknown): Promise<void>;
  restartIce(): void;
  close(): void;
}

const CANDIDATE_BATCH_MS = 60;
/** How long "disconnected" may last before an ICE restart is tried. */
const RESTART_AFTER_MS = 3000;
/** How long a link may stay down (restarts included) before the call ends. */
const GIVE_UP_AFTER_MS = 30_000;

export function createPeerLink(config: RTCConfiguration, polite: boolean, events: PeerLinkEvents): PeerLink {
  const pc = new RTCPeerConnection(config);
  let makingOffer = false;
  let ignoreOffer = false;
  let batch: RTCIceCandidateInit[] = [];
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let giveUpTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const remote = new MediaStream();

  pc.onnegotiationneeded = async () => {
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      if (pc.localDescription) events.signal('offer', pc.localDescription.toJSON());
    } catch {
      // A collision or a closed connection: the other side's offer (or the end) takes over.
    } finally {
      makingOffer = false;
    }
  };

  pc.onicecandidate = ({ candidate }) => {
    if (!candidate) return;
    batch.push(candidate.toJSON());
    batchTimer ??= setTimeout(() => {
      batchTimer = undefined;
      const candidates = batch;
      batch = [];
      events.signal('candidate', candidates);
    }, CANDIDATE_BATCH_MS);
  };

  pc.ontrack = ({ track }) => {
    remote.addTrack(track);
    track.addEventListener('ended', () => remote.removeTrack(track));
    events.remoteStream(remote);
  };
  pc.ondatachannel = ({ channel }) => events.channel(channel);

  pc.onconnectionstatechange = () => {
    switch (pc.connectionState) {
      case 'connected':
        clearTimeout(restartTimer);
        clearTimeout(giveUpTimer);
        restartTimer = giveUpTimer = undefined;
        events.phase('connected');
        break;
      case 'disconnected':
      case 'failed':
        events.phase('reconnecting');
        // A network change: a new ICE round (new candidates, maybe a new path) can save the call.
        restartTimer ??= setTimeout(
          () => {
            restartTimer = undefined;
            if (!closed && pc.connectionState !== 'connected') pc.restartIce();
          },
          pc.connectionState === 'failed' ? 0 : RESTART_AFTER_MS,
        );
        giveUpTimer ??= setTimeout(() => {
          if (!closed && pc.connectionState !== 'connected') events.failed();
        }, GIVE_UP_AFTER_MS);
        break;
      default:
    }
  };

  async function receive(kind: 'offer' | 'answer' | 'candidate', payload: unknown): Promise<void> {
    if (closed) return;
    if (kind === 'candidate') {
      for (const candidate of Array.isArray(payload) ? (payload as RTCIceCandidateInit[]) : []) {
        try {
          await pc.addIceCandidate(candidate);
        } catch (error) {
          if (!ignoreOffer) throw error;
        }
      }
      return;
    }
    const description = payload as RTCSessionDescriptionInit;
    if (description.type !== kind) return;
    const collision = kind === 'offer' && (makingOffer || pc.signalingState !== 'stable');
    ignoreOffer = !polite && collision;
    if (ignoreOffer) return;
    await pc.setRemoteDescription(description);
    if (kind === 'offer') {
      events.beforeAnswer?.();
      await pc.setLocalDescription();
      if (pc.localDescription) events.signal('answer', pc.localDescription.toJSON());
    }
  }

  return {
    pc,
    receive,
    restartIce: () => pc.restartIce(),
    close() {
      closed = true;
      clearTimeout(batchTimer);
      clearTimeout(restartTimer);
      clearTimeout(giveUpTimer);
      pc.close();
    },
  };
}

/** The selected candidate pair's local type ('host', 'srflx', 'relay') and video frames decoded. */
export async function readStats(pc: RTCPeerConnection): Promise<{ route?: string; framesDecoded: number }> {
  const stats = await pc.getStats();
  let framesDecoded = 0;
  let pairId: string | undefined;
  const byId = new Map<string, Record<string, unknown>>();
  stats.forEach((report: Record<string, unknown>) => {
    byId.set(String(report.id), report);
    if (report.type === 'inbound-rtp' && report.kind === 'video') framesDecoded += Number(report.framesDecoded ?? 0);
    if (report.type === 'transport' && typeof report.selectedCandidatePairId === 'string') {
      pairId = report.selectedCandidatePairId;
    }
  });
  if (!pairId) {
    stats.forEach((report: Record<string, unknown>) => {
      if (report.type === 'candidate-pair' && report.state === 'succeeded' && report.nominated)
        pairId ??= String(report.id);
    });
  }
  const pair = pairId ? byId.get(pairId) : undefined;
  const local = pair ? byId.get(String(pair.localCandidateId)) : undefined;
  const route = typeof local?.candidateType === 'string' ? local.candidateType : undefined;
  return route ? { route, framesDecoded } : { framesDecoded };
}

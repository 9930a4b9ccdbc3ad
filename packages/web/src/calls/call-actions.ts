import type { CallStatus, IceConfig, ServerEventPayloads, User } from '@parley/protocol';
import type { ParleyClient } from '@parley/sdk';
import type { DmKeys } from '../state/dm-keys.js';
import { createStore, type Store } from '../state/store.js';
import { newUuid } from '../state/uuid.js';
import {
  addDirect,
  addRinging,
  addSealed,
  clearEnded,
  endCall,
  inCall,
  initialCallsState,
  newCall,
  patchCall,
  patchDirect,
  startCall,
  stopRinging,
  withPhase,
  type CallMedia,
  type CallsState,
  type EndReason,
} from './call-state.js';
import { attachDirectChannel, type DirectChannel } from './direct-channel.js';
import { createPeerLink, readStats, type PeerLink } from './peer-link.js';
import { createRinger } from './ringer.js';
import { createSealedSignals, type SealedKind } from './sealed-signal.js';

/** The callee's own give-up, a little past the server's ringing timeout (35 s by default). */
const RING_LIMIT_MS = 45_000;
const ENDED_SHOWN_MS = 4000;
const STATS_EVERY_MS = 1000;
const RELAY_SETTING = 'parley:calls:relay-only';

export type CallActions = ReturnType<typeof createCallActions>;

interface Live {
  callId: string;
  peer: User;
  link?: PeerLink;
  local?: MediaStream;
  remote?: MediaStream;
  direct?: DirectChannel;
  /** Signals that came before the link existed (the caller's answer is never early, candidates may be). */
  statsTimer?: ReturnType<typeof setInterval>;
  ringTimer?: ReturnType<typeof setTimeout>;
}

export interface CallsDeps {
  baseUrl: string;
  client: () => ParleyClient | undefined;
  me: () => User | undefined;
  keys: DmKeys;
  toast(kind: 'info' | 'error', text: string): void;
  notify(title: string, body: string, tag: string, onClick?: () => void): void;
}

/**
 * Calls and the direct (peer-to-peer) mode: what the call screen and the incoming-call panel
 * render from, and what their buttons do. State changes go through the pure functions of
 * call-state.ts; this module holds the live objects (peer connection, media, channel).
 */
export function createCallActions(deps: CallsDeps) {
  const store: Store<CallsState> = createStore({ ...initialCallsState, relayOnly: readRelaySetting() });
  const sealed = createSealedSignals({ keys: deps.keys, me: () => deps.me() });
  const ringer = createRinger();
  const ringTimers = new Map<string, ReturnType<typeof setTimeout>>();
  let live: Live | undefined;
  let unsubscribe: (() => void)[] = [];
  const listeners = new Set<() => void>();

  const set = (update: (s: CallsState) => CallsState) => {
    store.set(update);
    // The ring follows the state: any call ringing here rings, none rings nothing.
    if (store.get().ringing.length > 0) ringer.start();
    else ringer.stop();
  };
  const media = () => ({ local: live?.local, remote: live?.remote });
  const changed = () => {
    for (const listener of listeners) listener();
  };

  async function send(peer: string, callId: string, kind: SealedKind | 'hangup', payload?: unknown) {
    const client = deps.client();
    if (!client) return;
    const data =
      kind === 'hangup' || payload === undefined ? undefined : await sealed.seal(peer, callId, kind, payload);
    const input = data === undefined ? { to: peer, callId, kind } : { to: peer, callId, kind, data };
    const result = await client.request('call:signal', input, { retries: 1 });
    if (!result.ok && result.error.code === 'RATE_LIMITED') deps.toast('error', 'Too many calls: wait a moment');
  }

  async function iceConfig(): Promise<RTCConfiguration> {
    const response = await fetch(new URL('/api/ice', deps.baseUrl), { credentials: 'include' });
    const ice = (await response.json()) as IceConfig;
    const relay = ice.iceTransportPolicy === 'relay' || store.get().relayOnly;
    return { iceServers: ice.iceServers, iceTransportPolicy: relay ? 'relay' : 'all' };
  }

  async function getMedia(kind: CallMedia): Promise<MediaStream | undefined> {
    if (kind === 'none') return undefined;
    return navigator.mediaDevices.getUserMedia({ audio: true, video: kind === 'video' });
  }

  /** Makes the link; answers the function that adds our tracks to it (once). */
  function wire(current: Live, config: RTCConfiguration, polite: boolean): () => void {
    const { callId, peer } = current;
    let tracksAdded = false;
    const addTracks = () => {
      if (tracksAdded || !current.link) return;
      tracksAdded = true;
      for (const track of current.local?.getTracks() ?? []) current.link.pc.addTrack(track, current.local!);
    };
    current.link = createPeerLink(config, polite, {
      // The offer says what the call is (voice, video, direct) inside the seal, for the callee's panel.
      signal: (kind, payload) =>
        void send(
          peer.username,
          callId,
          kind,
          kind === 'offer' ? { ...(payload as object), media: store.get().active?.media } : payload,
        ).catch(() => undefined),
      beforeAnswer: addTracks,
      phase: (phase) => set((s) => withPhase(s, callId, phase, Date.now())),
      remoteStream: (stream) => {
        current.remote = stream;
        changed();
      },
      channel: (channel) => useChannel(current, channel),
      failed: () => finish(callId, 'failed', true),
    });
    current.statsTimer = setInterval(() => {
      const pc = current.link?.pc;
      if (!pc) return;
      void readStats(pc)
        .then((stats) => set((s) => patchCall(s, callId, stats)))
        .catch(() => undefined);
    }, STATS_EVERY_MS);
    return addTracks;
  }

  function useChannel(current: Live, channel: RTCDataChannel) {
    const { callId } = current;
    current.direct = attachDirectChannel(channel, {
      text: (id, text) =>
        set((s) => addDirect(s, { id, mine: false, kind: 'text', text, done: 0, status: 'complete', at: Date.now() })),
      fileStart: (id, name, size) =>
        set((s) =>
          addDirect(s, { id, mine: false, kind: 'file', name, size, done: 0, status: 'receiving', at: Date.now() }),
        ),
      fileProgress: (id, mine, done) => set((s) => patchDirect(s, id, mine, { done })),
      fileDone: (id, file) =>
        set((s) => patchDirect(s, id, false, { status: 'complete', done: file.size, url: URL.createObjectURL(file) })),
      fileCancelled: (id, mine) => set((s) => patchDirect(s, id, mine, { status: 'cancelled' })),
      closed: () => {
        // The peer's side of the link is gone (hung up, closed the tab): the call cannot go on.
        if (live?.callId === callId) finish(callId, 'peer-hangup', false);
      },
    });
    changed();
  }

  /** Ends the active call here: closes everything, tells the peer unless they told us. */
  function finish(callId: string, reason: EndReason, tellPeer: boolean) {
    const current = live;
    if (current?.callId !== callId) return;
    live = undefined;
    if (tellPeer) {
      current.direct?.bye();
      void send(current.peer.username, callId, 'hangup').catch(() => undefined);
    }
    clearInterval(current.statsTimer);
    clearTimeout(current.ringTimer);
    for (const track of current.local?.getTracks() ?? []) track.stop();
    current.link?.close();
    set((s) => endCall(s, callId, reason));
    changed();
    setTimeout(() => set((s) => clearEnded(s, callId)), ENDED_SHOWN_MS);
  }

  async function start(peer: User, kind: CallMedia): Promise<void> {
    if (inCall(store.get()) || live) {
      deps.toast('info', 'You are already in a call');
      return;
    }
    const callId = newUuid();
    const current: Live = { callId, peer };
    live = current;
    set((s) => startCall(s, newCall(callId, peer, 'outgoing', kind, s.relayOnly)));
    try {
      const config = await iceConfig();
      set((s) => patchCall(s, callId, { relayOnly: config.iceTransportPolicy === 'relay' }));
      current.local = await getMedia(kind);
      if (live !== current) return;
      const addTracks = wire(current, config, false);
      const pc = current.link?.pc;
      if (!pc) return;
      // The direct channel exists in every call, so that text and files can go peer to peer.
      useChannel(current, pc.createDataChannel('parley-direct', { ordered: true }));
      addTracks();
      changed();
      current.ringTimer = setTimeout(() => {
        if (store.get().active?.phase === 'ringing') finish(callId, 'no-answer', true);
      }, RING_LIMIT_MS);
    } catch {
      finish(callId, kind === 'none' ? 'failed' : 'no-media', true);
    }
  }

  async function accept(callId: string): Promise<void> {
    const ringing = store.get().ringing.find((r) => r.callId === callId);
    if (!ringing) return;
    if (live) finish(live.callId, 'hangup', true);
    clearTimeout(ringTimers.get(callId));
    const current: Live = { callId, peer: ringing.peer };
    live = current;
    set((s) =>
      startCall(stopRinging(s, callId), newCall(callId, ringing.peer, 'incoming', ringing.media, s.relayOnly)),
    );
    try {
      const config = await iceConfig();
      set((s) => patchCall(s, callId, { relayOnly: config.iceTransportPolicy === 'relay' }));
      current.local = await getMedia(ringing.media);
      if (live !== current) return;
      wire(current, config, true);
      const [offer, ...candidates] = ringing.sealed;
      if (offer?.kind !== 'offer') throw new Error('no offer');
      // The tracks go in between the offer and the answer (beforeAnswer), so one round connects.
      await receiveSealed(current, 'offer', offer.data, true);
      for (const c of candidates) await receiveSealed(current, 'candidate', c.data, false);
      changed();
    } catch (error) {
      finish(callId, error instanceof UnverifiedError ? 'unverified' : 'no-media', true);
    }
  }

  class UnverifiedError extends Error {}

  async function receiveSealed(current: Live, kind: 'offer' | 'answer' | 'candidate', data: unknown, verify: boolean) {
    let opened;
    try {
      opened = await sealed.open(current.peer, current.callId, kind, data);
    } catch {
      throw new UnverifiedError('not sealed for us');
    }
    if (verify) {
      const number = await sealed.safetyNumberWith(current.peer);
      set((s) => patchCall(s, current.callId, { safetyNumber: number }));
    }
    await current.link?.receive(kind, opened.payload);
  }

  function decline(callId: string): void {
    const ringing = store.get().ringing.find((r) => r.callId === callId);
    if (!ringing) return;
    clearTimeout(ringTimers.get(callId));
    set((s) => stopRinging(s, callId));
    void send(ringing.peer.username, callId, 'reject').catch(() => undefined);
  }

  async function onOffer(signal: ServerEventPayloads['call:signal']) {
    const { from, callId, data } = signal;
    if (live?.callId === callId) {
      if (from.id === live.peer.id) await receiveSealed(live, 'offer', data, false).catch(() => undefined);
      return;
    }
    if (store.get().ringing.some((r) => r.callId === callId)) return;
    let opened;
    try {
      opened = await sealed.open(from, callId, 'offer', data);
    } catch {
      return; // not sealed for this browser: nothing rings for what cannot be verified
    }
    const payload = opened.payload as { media?: unknown } | null;
    const kind: CallMedia = payload?.media === 'video' ? 'video' : payload?.media === 'none' ? 'none' : 'audio';
    if (inCall(store.get())) {
      // Busy here: say so (the server's ledger may not know, e.g. after an instance restart).
      void send(from.username, callId, 'reject', { reason: 'busy' }).catch(() => undefined);
      return;
    }
    set((s) => addRinging(s, { callId, peer: from, media: kind, sealed: [{ kind: 'offer', data }], at: Date.now() }));
    ringTimers.set(
      callId,
      setTimeout(
        () => set((s) => stopRinging(s, callId, { peer: from, text: `Missed call from ${from.username}` })),
        RING_LIMIT_MS,
      ),
    );
    const what = kind === 'none' ? 'wants to connect directly' : kind === 'video' ? 'video call' : 'voice call';
    deps.notify(`${from.username}`, `Incoming ${what}`, `call:${callId}`);
  }

  async function onSignal(signal: ServerEventPayloads['call:signal']): Promise<void> {
    const { from, callId, kind, data } = signal;
    const current = live?.callId === callId && live.peer.id === from.id ? live : undefined;
    switch (kind) {
      case 'offer':
        return onOffer(signal);
      case 'candidate':
        if (current) await receiveSealed(current, 'candidate', data, false).catch(() => undefined);
        else set((s) => addSealed(s, callId, { kind: 'candidate', data }));
        return;
      case 'answer':
        if (!current || store.get().active?.direction !== 'outgoing') return;
        set((s) => withPhase(s, callId, 'connecting', Date.now()));
        clearTimeout(current.ringTimer);
        await receiveSealed(current, 'answer', data, true).catch(() => finish(callId, 'unverified', true));
        return;
      case 'reject': {
        if (!current) return;
        let busy = false;
        if (data !== undefined) {
          const opened = await sealed.open(from, callId, 'reject', data).catch(() => undefined);
          busy = (opened?.payload as { reason?: unknown } | undefined)?.reason === 'busy';
        }
        finish(callId, busy ? 'busy' : 'declined', false);
        return;
      }
      case 'hangup':
        if (current) finish(callId, 'peer-hangup', false);
        else if (store.get().ringing.some((r) => r.callId === callId && r.peer.id === from.id)) {
          set((s) => stopRinging(s, callId, { peer: from, text: `Missed call from ${from.username}` }));
        }
    }
  }

  function onStatus({ callId, peer, status }: CallStatus): void {
    switch (status) {
      case 'answered-elsewhere':
      case 'declined-elsewhere':
        // This tab answered it itself, or another tab (or device) did: either way, stop ringing here.
        set((s) => stopRinging(s, callId));
        return;
      case 'missed':
        set((s) => stopRinging(s, callId, { peer, text: `Missed call from ${peer.username}` }));
        return;
      case 'busy':
        finish(callId, 'busy', false);
        return;
      case 'no-answer':
        finish(callId, 'no-answer', false);
        return;
      case 'peer-left': {
        set((s) => stopRinging(s, callId, { peer, text: `Missed call from ${peer.username}` }));
        const phase = store.get().active?.phase;
        // A call that is up continues peer to peer while the link holds; one that is not cannot.
        if (phase === 'connected' || phase === 'reconnecting') set((s) => patchCall(s, callId, { peerOffline: true }));
        else finish(callId, 'peer-left', false);
      }
    }
  }

  function onPageHide() {
    if (live) finish(live.callId, 'hangup', true);
  }

  function sendText(text: string) {
    const current = live;
    if (!current?.direct || !text.trim()) return;
    const id = newUuid();
    current.direct.sendText(id, text);
    set((s) => addDirect(s, { id, mine: true, kind: 'text', text, done: 0, status: 'sent', at: Date.now() }));
  }

  async function sendFile(file: File) {
    const current = live;
    if (!current?.direct) return;
    const id = newUuid();
    set((s) =>
      addDirect(s, {
        id,
        mine: true,
        kind: 'file',
        name: file.name,
        size: file.size,
        done: 0,
        status: 'sending',
        at: Date.now(),
      }),
    );
    await current.direct.sendFile(id, file);
    set((s) => {
      const item = s.direct.find((d) => d.id === id && d.mine);
      return item?.status === 'sending' && item.done >= file.size ? patchDirect(s, id, true, { status: 'sent' }) : s;
    });
  }

  /** Voice ↔ video: a camera track is added (or removed) and the link renegotiates. */
  async function setVideo(on: boolean) {
    const current = live;
    const pc = current?.link?.pc;
    if (!current || !pc) return;
    const callId = current.callId;
    if (on) {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      const [track] = stream.getVideoTracks();
      if (!track || live !== current) return;
      current.local ??= new MediaStream();
      current.local.addTrack(track);
      pc.addTrack(track, current.local);
      set((s) => patchCall(s, callId, { media: 'video', cameraOn: true }));
    } else {
      for (const track of current.local?.getVideoTracks() ?? []) {
        track.stop();
        current.local?.removeTrack(track);
        const sender = pc.getSenders().find((x) => x.track === track);
        if (sender) pc.removeTrack(sender);
      }
      set((s) => patchCall(s, callId, { media: 'audio', cameraOn: false }));
    }
    changed();
  }

  /** A device picked from the lists: the new track replaces the old one without renegotiating. */
  async function useDevice(kind: 'audioinput' | 'videoinput', deviceId: string) {
    const current = live;
    const pc = current?.link?.pc;
    if (!current?.local || !pc) return;
    const constraints =
      kind === 'audioinput'
        ? { audio: { deviceId: { exact: deviceId } } }
        : { video: { deviceId: { exact: deviceId } } };
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const [track] = kind === 'audioinput' ? stream.getAudioTracks() : stream.getVideoTracks();
    if (!track) return;
    const old = kind === 'audioinput' ? current.local.getAudioTracks()[0] : current.local.getVideoTracks()[0];
    const sender = pc.getSenders().find((x) => x.track === old);
    await sender?.replaceTrack(track);
    if (old) {
      old.stop();
      current.local.removeTrack(old);
    }
    track.enabled = kind === 'audioinput' ? !store.get().active?.muted : (store.get().active?.cameraOn ?? true);
    current.local.addTrack(track);
    changed();
  }

  return {
    store,
    /** The live media streams (not state: they are objects the call screen attaches to elements). */
    media,
    onMediaChange(listener: () => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    start(client: ParleyClient) {
      unsubscribe = [
        client.on('call:signal', (signal) => void onSignal(signal).catch(() => undefined)),
        client.on('call:status', onStatus),
      ];
      window.addEventListener('pagehide', onPageHide);
    },

    call: (peer: User, kind: CallMedia) => void start(peer, kind),
    accept: (callId: string) => void accept(callId),
    decline,
    hangUp() {
      if (live) finish(live.callId, 'hangup', true);
    },
    dismiss() {
      set((s) => (s.active?.phase === 'ended' ? { ...s, active: undefined } : s));
    },
    dismissNotice() {
      set((s) => ({ ...s, notice: undefined }));
    },

    toggleMute() {
      const call = store.get().active;
      if (!call || !live?.local) return;
      for (const track of live.local.getAudioTracks()) track.enabled = call.muted;
      set((s) => patchCall(s, call.callId, { muted: !call.muted }));
    },
    toggleCamera() {
      const call = store.get().active;
      if (!call || !live?.local) return;
      const tracks = live.local.getVideoTracks();
      if (tracks.length === 0) return void setVideo(true).catch(() => deps.toast('error', 'No camera could be used'));
      for (const track of tracks) track.enabled = !call.cameraOn;
      set((s) => patchCall(s, call.callId, { cameraOn: !call.cameraOn }));
    },
    setVideo: (on: boolean) => void setVideo(on).catch(() => deps.toast('error', 'No camera could be used')),
    useDevice: (kind: 'audioinput' | 'videoinput', deviceId: string) =>
      void useDevice(kind, deviceId).catch(() => deps.toast('error', 'That device could not be used')),

    sendText,
    sendFile: (file: File) => void sendFile(file).catch(() => undefined),
    cancelFile(id: string, mine: boolean) {
      live?.direct?.cancel(id, mine);
    },

    setRelayOnly(on: boolean) {
      writeRelaySetting(on);
      set((s) => ({ ...s, relayOnly: on }));
    },

    /** The session ended (signed out): hang up, and forget the keys cached for it. */
    stop() {
      if (live) finish(live.callId, 'hangup', true);
      for (const off of unsubscribe) off();
      unsubscribe = [];
      for (const timer of ringTimers.values()) clearTimeout(timer);
      ringTimers.clear();
      window.removeEventListener('pagehide', onPageHide);
      sealed.reset();
      set((s) => ({ ...initialCallsState, relayOnly: s.relayOnly }));
    },
  };
}

function readRelaySetting(): boolean {
  try {
    return localStorage.getItem(RELAY_SETTING) === '1';
  } catch {
    return false;
  }
}

function writeRelaySetting(on: boolean): void {
  try {
    localStorage.setItem(RELAY_SETTING, on ? '1' : '0');
  } catch {
    // Storage disabled: the switch holds for this page.
  }
}

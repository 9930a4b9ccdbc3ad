/**
 * The ring: two short tones every two seconds, made with WebAudio (no sound file to ship).
 * Browsers may keep an AudioContext suspended until the user has interacted with the page; the
 * ring then stays silent and the incoming-call panel and notification still show.
 */
export interface Ringer {
  start(): void;
  stop(): void;
}

export function createRinger(): Ringer {
  let context: AudioContext | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  function beep(at: number) {
    if (!context) return;
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.frequency.value = 440;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
    osc.connect(gain).connect(context.destination);
    osc.start(at);
    osc.stop(at + 0.4);
  }

  const ring = () => {
    if (!context) return;
    const now = context.currentTime;
    beep(now);
    beep(now + 0.5);
  };

  return {
    start() {
      if (timer) return;
      try {
        context ??= new AudioContext();
        void context.resume().catch(() => undefined);
      } catch {
        context = undefined;
      }
      ring();
      timer = setInterval(ring, 2000);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      void context?.suspend().catch(() => undefined);
    },
  };
}

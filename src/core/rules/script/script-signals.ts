// What the script's thread and the engine's thread share in memory, readable by each even
// while the other is blocked: a heartbeat the script's thread counts up while its event loop
// turns, and which messages have been claimed, by the script's thread (it is running them)
// or by the engine's (it answered them itself, as skipped). A spinning hook blocks its
// thread's messages both ways, so neither could be told by message in time.

/** How often the script's thread beats while its event loop turns. */
export const BEAT_MS = 100

export interface ScriptSignals {
  /** the two views' memory: what the script's thread is started with (workerData) */
  readonly buffer: SharedArrayBuffer
  /** [0]: beats so far (wraps; only a change is read) */
  readonly beats: Int32Array
  /** [0]: the highest message id claimed so far; ids grow one by one, so a count of days of traffic outgrows 32 bits */
  readonly claimed: BigInt64Array
}

export function createSignals(buffer = new SharedArrayBuffer(16)): ScriptSignals {
  return { buffer, claimed: new BigInt64Array(buffer, 0, 1), beats: new Int32Array(buffer, 8, 1) }
}

export function beat(signals: ScriptSignals): void {
  Atomics.add(signals.beats, 0, 1)
}

export function beatsSoFar(signals: ScriptSignals): number {
  return Atomics.load(signals.beats, 0)
}

/**
 * Claims every id up to `id` not claimed yet, and returns the highest claimed before (the
 * ids above it, up to `id`, are now this side's); undefined when `id` was claimed already.
 * The script's thread claims each message as it starts it; the engine's thread claims the
 * ones still queued when it answers them itself. Whichever claims an id first has it; the
 * other leaves it alone.
 */
export function claimUpTo(signals: ScriptSignals, id: number): bigint | undefined {
  const wanted = BigInt(id)
  for (;;) {
    const before = Atomics.load(signals.claimed, 0)
    if (before >= wanted) return undefined
    if (Atomics.compareExchange(signals.claimed, 0, before, wanted) === before) return before
  }
}

// How many connections a run over a capture decodes at once (capture-decoding.ts, runQueue):
// a lane decodes one connection after another, and lanes overlap one connection's reads and
// its round trip to the decode worker with the others'.

/** A live capture's lanes, and the fewest a file gets. */
export const LANES = 64
/**
 * A file of small connections takes more lanes, up to this many, as long as LANE_BYTES would
 * cover each lane's connection: the engine's thread and the workers then wait on each other
 * less. 100,000 one-exchange connections (about 1 KB each in the file), in turns with 64
 * lanes: 2.63-3.47 s against 2.92-3.89 s (six each), and 2.94-3.17 s against 3.05-3.58 s
 * (five more); a keep-alive file's 100 connections are fewer than 64 lanes either way. A
 * file of large connections keeps 64, so what is read ahead for the lanes stays bounded.
 */
export const MAX_LANES = 256
const LANE_BYTES = 16 * 1024 * 1024

/** Lanes for a run over a file of `size` bytes and `connections` connections; a live capture keeps LANES. */
export function lanesFor(live: boolean, size: number, connections: number): number {
  if (live || connections === 0) return LANES
  return Math.max(LANES, Math.min(MAX_LANES, Math.floor(LANE_BYTES / Math.max(1, size / connections))))
}

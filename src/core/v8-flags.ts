// V8 flags the engine sets for its process (they are the process's, every thread's). Both
// are taken after V8 has started: Node and Electron start it with
// --no-freeze-flags-after-init, so a late flag is taken rather than fatal (see
// electron/electron#42414, where a frozen flag set crashed the app); a runtime that refuses
// one goes on as before.

import { nodeV8 } from './lazy-builtins'

function setFlag(flag: string): void {
  try {
    nodeV8().setFlagsFromString(flag)
  } catch {
    // Refused: V8's default stays.
  }
}

/**
 * The decode worker's garbage is collected on its own thread, which runs at the lowest CPU
 * priority (decode-worker.ts), not by V8's helper threads, which run at the process's: with
 * parallel scavenges those helpers spent more CPU than the decoders themselves (measured on
 * 2 cores under wrk: about 0.8 s of helper CPU against 0.4 s of the worker's for 4 s of
 * load), CPU taken straight from forwarding. This thread's young-generation collections
 * become single-threaded too, a few milliseconds each.
 */
export function scavengeOnCollectingThread(): void {
  setFlag('--no-parallel-scavenge')
}

/**
 * The young generation stays at its first size (a 1 MiB semi-space) instead of doubling to
 * 16 MiB under load. Forwarding allocates small objects at a steady pace while its bytes live
 * outside the heap, so a larger young generation bought nothing but resident memory: a GiB
 * of HTTPS through `tcpscope proxy --forward` left it at 124-125 MiB, and 95-97 MiB with
 * this, at the same MiB/s and CPU per GiB (bench/peers.mjs); decoding a file's 100,000
 * exchanges took as long either way. It holds from when it is set: a process that forwards
 * sets it before it loads the engine (small-young-generation.ts, the CLI's forwarding
 * commands), whose loading alone doubled the young generation twice. Not for a command that
 * reads a capture and ends: writing out 100,000 exchanges allocates far faster, and a 1 MiB
 * semi-space cost `export --format har` a fifth of its time in scavenges.
 */
export function keepYoungGenerationSmall(): void {
  setFlag('--semi-space-growth-factor=1')
}

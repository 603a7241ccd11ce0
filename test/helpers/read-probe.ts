// For tests that show an in-process engine did NOT read a socket (a hold, a pause): a probe,
// not a pause of some milliseconds. Bytes sent after the held ones, on a loopback pair of
// the probe's own, are read by this same event loop; once they are, every read the loop
// found ready with them has run, so a reader of the held bytes would have read them too.
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { loopbackPair } from './net'

/** Writes `data` on `c`, then returns once the event loop has read a byte sent after it. */
export async function writePastItsRead(c: Socket, data: string | Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => c.write(data, (err) => (err ? reject(err) : resolve())))
  const probe = await loopbackPair()
  try {
    probe.client.write('x')
    await once(probe.accepted, 'data')
    // The rest of the reads the loop found with the probe's run before this.
    await new Promise((r) => setImmediate(r))
  } finally {
    await probe.close()
  }
}

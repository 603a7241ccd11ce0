// What the message breakpoints on a device's own protocol share (breakpoints-ksy,
// breakpoints-script): the device frames, the server and the steps are the same for every
// framing that names a file; the tests then check what their framing says of the frames.
import { expect } from 'vitest'
import type { HeldMessage } from '../../../src/shared/break-types'
import { portOf, type TestEngine } from '../../helpers/engine'
import { startServer, waitFor } from '../../helpers/net'
import { connected, lastConnId } from '../fault/toxic-helpers'
import { addBreak, heldQueue } from './break-helpers'
import { reading } from '../protocols/ksy/ksy-frames'

export interface ColdReadingHeld {
  /** The held message: the cold reading, whole. */
  held: HeldMessage
  connId: number
}

/**
 * A proxy cut by `frame` (`ksy:FILE`, `script:FILE`) with a breakpoint on
 * `field:temperature_centi<0`; a warm then a cold reading sent 4 bytes at a time. Checks that
 * the cold one is held whole (protocol `protocol`) while the warm one passes alone, that it
 * goes on unchanged once released, and that msg.page cuts the two frames the same way.
 */
export async function breakOnColdReading(t: TestEngine, frame: string, protocol: string): Promise<ColdReadingHeld> {
  const received: Buffer[] = []
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.on('data', (c: Buffer) => received.push(c))
  })
  try {
    const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, frame })
    await addBreak(t.engine, p.id, { match: 'message', pattern: 'field:temperature_centi<0' })
    const c = await connected(portOf(p.listen))
    const warm = reading(1, 1, 2150, [7])
    const cold = reading(2, 1, -420, [8, 9])
    const all = Buffer.concat([warm, cold])
    for (let at = 0; at < all.length; at += 4) await new Promise((r) => c.write(all.subarray(at, at + 4), r))
    const [held] = await heldQueue(t.engine)
    expect(held).toMatchObject({ dir: 'client', kind: 'message', size: cold.length, protocol })
    expect(Buffer.from(await t.engine['held.read']({ heldId: held.id }))).toEqual(Buffer.from(cold))
    await waitFor(() => Buffer.concat(received).equals(warm), 'the warm frame, alone')
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => Buffer.concat(received).equals(all), 'the cold frame after it, unchanged')
    c.destroy()
    const connId = await lastConnId(t.engine)
    const page = await t.engine['msg.page']({ capture: 'live', connId, fields: true })
    expect(page.framing).toBe(frame)
    expect(page.messages.map((x) => x.range.length)).toEqual([warm.length, cold.length])
    return { held, connId }
  } finally {
    await server.close()
  }
}

// A message breakpoint on a proxy cut by a script (`--frame script:examples/script/device-frame.js`)
// over real sockets: a frame whose script-described field matches (`field:temperature_centi<0`)
// is held whole though it came a few bytes at a time, the frames before it pass whole, and the
// held one goes on unchanged once released; msg.page then lists the frames cut the same way.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { startServer, waitFor } from '../../helpers/net'
import { connected, lastConnId } from '../fault/toxic-helpers'
import { addBreak, heldQueue } from './break-helpers'
import { reading } from '../protocols/ksy/ksy-frames'
import { DEVICE_SCRIPT } from '../protocols/script/script-files'

let t: TestEngine
let received: Buffer[]
let closeServer: (() => Promise<void>) | undefined

beforeEach(async () => {
  t = await testEngine()
  received = []
})
afterEach(async () => {
  await closeServer?.()
  await t.dispose()
})

describe('a message breakpoint on a script-decoded protocol', () => {
  it('holds the frame whose field matches, whole, and lets the others through whole', async () => {
    const server = await startServer((s) => {
      s.on('error', () => {})
      s.on('data', (c: Buffer) => received.push(c))
    })
    closeServer = server.close
    const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, frame: `script:${DEVICE_SCRIPT}` })
    await addBreak(t.engine, p.id, { match: 'message', pattern: 'field:temperature_centi<0' })
    const c = await connected(portOf(p.listen))
    const warm = reading(1, 1, 2150, [7])
    const cold = reading(2, 1, -420, [8, 9])
    const all = Buffer.concat([warm, cold])
    for (let at = 0; at < all.length; at += 4) await new Promise((r) => c.write(all.subarray(at, at + 4), r))
    const [m] = await heldQueue(t.engine)
    expect(m).toMatchObject({ dir: 'client', kind: 'message', size: cold.length, protocol: 'script' })
    expect(m.summary).toBe('reading #2 -4.2°')
    expect(Buffer.from(await t.engine['held.read']({ heldId: m.id }))).toEqual(Buffer.from(cold))
    await waitFor(() => Buffer.concat(received).equals(warm), 'the warm frame, alone')
    await t.engine['held.forward']({ heldId: m.id })
    await waitFor(() => Buffer.concat(received).equals(all), 'the cold frame after it, unchanged')
    c.destroy()
    const page = await t.engine['msg.page']({ capture: 'live', connId: await lastConnId(t.engine), fields: true })
    expect(page.framing).toBe(`script:${DEVICE_SCRIPT}`)
    expect(page.messages.map((x) => x.range.length)).toEqual([warm.length, cold.length])
    // The script's fields are the filter's: by number, and by an enum's name.
    const filtered = async (filter: string): Promise<number[]> => (await t.engine['msg.page']({ capture: 'live', connId: await lastConnId(t.engine), filter })).messages.map((x) => x.index)
    expect(await filtered('field:temperature_centi>0')).toEqual([0])
    expect(await filtered('field:unit=celsius')).toEqual([0, 1])
    expect(await filtered('field:unit=percent')).toEqual([])
  })
})

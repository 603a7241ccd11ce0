// One hold state for capture backpressure: while the capture writer asks producers to
// pause, proxies and sessions alike stop reading, including a proxy started while it
// holds; once released, everything that waited flows, byte-exact. "Stopped reading" is
// shown by a probe (test/helpers/read-probe.ts), not by a pause.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import type { Engine } from '../../../../src/core/engine'
import { connectTo, startServer, waitFor } from '../../../helpers/net'
import { writePastItsRead } from '../../../helpers/read-probe'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

/** What the capture writer does when it is more than its high water mark behind. */
function hold(engine: Engine, held: boolean): void {
  ;(engine.capture as unknown as { listener: { pressure(p: boolean): void } }).listener.pressure(held)
}

describe('capture hold', () => {
  it('a proxy started while the capture holds reads nothing until it is released', async () => {
    t = await testEngine()
    const got: Buffer[] = []
    let upstream!: () => void
    const connected = new Promise<void>((r) => (upstream = r))
    const server = await startServer((s) => {
      upstream()
      s.on('data', (d: Buffer) => got.push(d))
    })
    cleanups.push(server.close)
    hold(t.engine, true)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    // Both legs up: a proxy that reads would read now.
    await connected
    await writePastItsRead(c, 'waits for the capture')
    expect(Buffer.concat(got).toString()).toBe('')
    expect(t.engine.capture.connections()[0].bytes.client).toBe(0)
    hold(t.engine, false)
    await waitFor(() => Buffer.concat(got).toString() === 'waits for the capture', 'the data to flow')
    c.destroy()
  })

  it('a server session stops reading its clients while the capture holds', async () => {
    t = await testEngine()
    const info = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true } })
    const c = await connectTo(portOf(info.listen))
    c.write('one')
    await once(c, 'data')
    hold(t.engine, true)
    await writePastItsRead(c, 'two')
    expect(t.engine.capture.connections()[0].bytes.client).toBe(3)
    hold(t.engine, false)
    await waitFor(() => t.engine.capture.connections()[0].bytes.client === 6, 'the held bytes to be read')
    c.destroy()
  })
})

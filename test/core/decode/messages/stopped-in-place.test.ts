// Where a framing stops cutting a direction (a length over its limit, a frame() that throws),
// the rest of that stream is one message in error, cut only when the stream ends: it is listed
// where its first byte's time puts it, not after what the other side sent meanwhile.
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { portOf, testEngine } from '../../../helpers/engine'
import { connectTo, startServer } from '../../../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the rest of a stream whose cutting stopped', () => {
  it('where cutting stopped, the rest of the stream is listed in its place by time, not after what the other side sent later', async () => {
    const t = await testEngine()
    cleanups.push(t.dispose)
    const framed = (text: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, text.length]), Buffer.from(text)])
    const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
    let reads = 0
    const server = await startServer((s) =>
      s.on('data', async () => {
        // The first message is answered at once; what stops the cutting, twice, later.
        if (++reads === 1) return void s.write(framed('one'))
        await wait(40)
        s.write(framed('two'))
        await wait(40)
        s.end(framed('three'))
      })
    )
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, frame: 'length:size=4,max=1KiB' })
    const c = await connectTo(portOf(proxy.listen))
    c.write(framed('abc'))
    await once(c, 'data')
    // A length over the limit: cutting the client's stream stops here, and the rest is one message in error.
    c.write(Buffer.from('\x7f\xff\xff\xffrest of the stream', 'latin1'))
    let got = Buffer.alloc(0)
    c.on('data', (d: Buffer) => (got = Buffer.concat([got, d])))
    await once(c, 'end')
    c.end()
    let page
    for (let i = 0; i < 100; i++) {
      page = await t.engine['msg.page']({ capture: 'live', connId: 1 })
      if (page.messages.length >= 5 && (await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 1 })).rows[0]?.end !== 'open') break
      await wait(50)
    }
    page = await t.engine['msg.page']({ capture: 'live', connId: 1 })
    expect(page.messages.map((m) => [m.index, m.dir, m.range.length, m.error !== undefined])).toEqual([
      [0, 'client', 7, false],
      [1, 'server', 7, false],
      [2, 'client', 22, true],
      [3, 'server', 7, false],
      [4, 'server', 9, false]
    ])
    const times = page.messages.map((m) => m.time)
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })
})

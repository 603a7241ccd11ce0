// conn.page without the upstream addresses: the UI's connection list asks for its pages so,
// and gets every other field of each row as a page with them has it; the rows the engine
// keeps are not changed for the callers that ask for the whole summary.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { join } from 'node:path'
import { Engine } from '../../../src/core/engine'
import { connectTo, startServer, tempDir } from '../../helpers/net'
import { portOf } from '../../helpers/engine'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('conn.page with upstream: false', () => {
  it('leaves out each row upstream addresses and nothing else', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const engine = await Engine.create({ capturePath: join(dir, 'live.tcap'), saveFolder: dir })
    cleanups.push(() => engine.close())
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    for (const text of ['one', 'two']) {
      const c = await connectTo(portOf(proxy.listen))
      cleanups.push(() => c.destroy())
      c.write(text)
      await once(c, 'data')
    }

    const whole = await engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    const slim = await engine['conn.page']({ capture: 'live', offset: 0, limit: 10, upstream: false })
    expect(whole.rows).toHaveLength(2)
    expect(whole.rows.map((r) => r.upstream?.remote)).toEqual([expect.objectContaining({ port: server.port }), expect.objectContaining({ port: server.port })])
    expect(slim.rows.map((r) => r.upstream)).toEqual([undefined, undefined])
    expect(slim.rows).toEqual(whole.rows.map(({ upstream: _upstream, ...rest }) => rest))
    expect((await engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })).rows.every((r) => r.upstream !== undefined)).toBe(true)
  })
})

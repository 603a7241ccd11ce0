// The IPC adapter against a real engine: who may send frames, a snapshot per page load,
// and nothing once the window is gone. What the commands do and how they fail is the same
// over every transport: test/core/front/transports.test.ts runs those through IPC too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeFrame } from '../../src/shared/wire'
import type { FrontEvent } from '../../src/shared/events'
import { testEngine, type TestEngine } from '../helpers/engine'
import { waitFor } from '../helpers/net'
import { APP_FRAME, overIpc } from '../helpers/front-ends'

let t: TestEngine
beforeEach(async () => {
  t = await testEngine()
})
afterEach(async () => t.dispose())

const events = (frames: Uint8Array[]): FrontEvent[] =>
  frames.map((f) => decodeFrame(f) as { t: string; event?: FrontEvent }).flatMap((m) => (m.t === 'event' ? [m.event!] : []))

describe('who may talk to the engine', () => {
  it('the app main frame may: it starts a proxy', async () => {
    const fe = overIpc(t.engine)
    const proxy = await fe.client.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    expect(proxy.state).toBe('listening')
    await fe.close()
  })

  it.each([
    ['a sub-frame of the app', { url: APP_FRAME.url, parent: APP_FRAME }],
    ['a page of another origin', { url: 'https://evil.example/', parent: null }],
    ['another local file', { url: 'file:///tmp/evil.html', parent: null }],
    ['a frame that is gone', null]
  ])('%s may not: its frames are dropped and logged, nothing runs', async (_what, frame) => {
    const fe = overIpc(t.engine, frame)
    void fe.client.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    await waitFor(() => fe.logged.length > 0 && fe.logged, 'the refusal to be logged')
    expect(fe.logged[0]).toMatch(/^tcpscope: refused a frame: /)
    expect(await t.engine['proxy.list']()).toEqual([])
    await fe.close()
  })

  it('drops anything that is not a frame of bytes', async () => {
    const fe = overIpc(t.engine)
    fe.ipc.deliver({ sender: fe.contents, senderFrame: APP_FRAME }, { t: 'call', id: 1, cmd: 'proxy.list' })
    fe.ipc.deliver({ sender: fe.contents, senderFrame: APP_FRAME }, new Uint8Array([1, 2, 3]))
    expect(fe.logged).toEqual(['tcpscope: refused a frame that is not bytes', 'tcpscope: dropped a malformed frame from a front end (bad frame size 3)'])
    await fe.close()
  })
})

describe('page loads', () => {
  it('each load gets a snapshot, then batches; a destroyed window gets nothing more', async () => {
    const fe = overIpc(t.engine)
    expect(events(fe.contents.frames).map((e) => e.type)).toEqual(['snapshot'])
    await fe.client.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    await waitFor(() => events(fe.contents.frames).some((e) => e.type === 'batch'), 'a batch')
    const batch = events(fe.contents.frames).find((e) => e.type === 'batch')
    expect(batch).toMatchObject({ type: 'batch', proxies: [{ id: 'p1', state: 'listening' }] })

    // A reload starts over from a snapshot that already holds the proxy.
    fe.contents.emit('did-finish-load')
    const last = events(fe.contents.frames).at(-1)
    expect(last).toMatchObject({ type: 'snapshot', proxies: [{ id: 'p1' }] })

    // Another window, open all along, hears of the next proxy: the destroyed one would have by then.
    const other = overIpc(t.engine)
    fe.contents.emit('destroyed')
    const count = fe.contents.frames.length
    await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    const heardOf = (id: string): boolean => events(other.contents.frames).some((e) => e.type === 'batch' && !!e.proxies?.some((p) => p.id === id))
    await waitFor(() => heardOf('p2'), 'the other window to hear of the second proxy')
    expect(fe.contents.frames.length).toBe(count)
    await other.close()
  })
})

// One-click actions on a live proxied connection, on real sockets: a paused direction stops
// while the other flows, injected bytes reach the side they are sent to exactly (and are
// recorded as an action, not as data), FIN and RST reach one side as such.
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { outcomeOf, waitFor } from '../../helpers/net'
import { eventsOf } from '../../helpers/sessions'
import { connected, lastConnId, proxyTo, type ToxicProxy } from '../fault/toxic-helpers'
import { needProgram, programWorks } from '../../helpers/peers'
import { pyClient } from '../../helpers/py-peer'

let t: TestEngine
let p: ToxicProxy
let serverGot: Buffer[]
beforeEach(async () => {
  t = await testEngine()
  serverGot = []
  p = await proxyTo(t.engine, (s) => s.on('data', (c: Buffer) => serverGot.push(c)))
})
afterEach(async () => {
  await p.close()
  await t.dispose()
})

async function opened(): Promise<{ c: Socket; id: number; got: Buffer[] }> {
  const c = await connected(p.port)
  const got: Buffer[] = []
  c.on('data', (d: Buffer) => got.push(d))
  c.write('hi')
  await waitFor(() => serverGot.length > 0, 'the first bytes')
  return { c, id: await lastConnId(t.engine), got }
}

const text = (parts: Buffer[]): string => Buffer.concat(parts).toString()
const actions = async (id: number): Promise<string[]> => (await eventsOf(t.engine, id)).filter((e) => e.kind === 'action').map((e) => `${e.dir} ${String(e.info?.message)}`)

describe('connection actions', () => {
  it('pauses one direction while the other flows, then resumes it', async () => {
    const { c, id, got } = await opened()
    await t.engine['conn.pause']({ connId: id, dir: 'client', paused: true })
    c.write(' there')
    p.accepted[0].write('from the server')
    await waitFor(() => text(got) === 'from the server', 'the other direction')
    await new Promise((r) => setTimeout(r, 100))
    expect(text(serverGot)).toBe('hi')
    await t.engine['conn.pause']({ connId: id, dir: 'client', paused: false })
    await waitFor(() => text(serverGot) === 'hi there', 'the paused bytes')
    expect(await actions(id)).toEqual(['client paused client → target', 'client resumed client → target'])
    c.destroy()
  })

  it('injects bytes toward either side, recorded as actions, not as data', async () => {
    const { c, id, got } = await opened()
    expect(await t.engine['conn.inject']({ connId: id, to: 'server', payload: { kind: 'hex', data: '00 ff 41' } })).toEqual({ bytes: 3 })
    await t.engine['conn.inject']({ connId: id, to: 'client', payload: { kind: 'text', data: '你好', encoding: 'gbk' } })
    await waitFor(() => Buffer.concat(serverGot).equals(Buffer.from([0x68, 0x69, 0x00, 0xff, 0x41])), 'the injected bytes at the server')
    await waitFor(() => Buffer.concat(got).equals(Buffer.from([0xc4, 0xe3, 0xba, 0xc3])), 'the injected GBK text at the client')
    const recorded = (await eventsOf(t.engine, id)).filter((e) => e.kind === 'action')
    expect(recorded.map((e) => [e.dir, e.info?.message, e.info?.bytes])).toEqual([
      ['client', 'injected 3 B toward the target', Buffer.from([0, 255, 65]).toString('base64')],
      ['server', 'injected 4 B toward the client', Buffer.from([0xc4, 0xe3, 0xba, 0xc3]).toString('base64')]
    ])
    const stream = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: id, dir: 'client', offset: 0, length: 100 }))
    expect(stream.toString()).toBe('hi')
    c.destroy()
  })

  it('sends a FIN to one side: it sees a clean end, the other side can still send', async () => {
    const { c, id } = await opened()
    const clientEnd = new Promise<void>((r) => c.once('end', r))
    await t.engine['conn.shut']({ connId: id, side: 'client', how: 'fin' })
    await clientEnd
    c.write(' more')
    await waitFor(() => text(serverGot) === 'hi more', 'the client still sending')
    expect(await actions(id)).toEqual(['server FIN sent to the client'])
    c.destroy()
  })

  it('sends an RST to one side, and a FIN to the other', async () => {
    const { c, id } = await opened()
    const clientEnd = outcomeOf(c)
    const serverEnd = outcomeOf(p.accepted[0], { endOnFin: true })
    await t.engine['conn.shut']({ connId: id, side: 'client', how: 'rst' })
    expect((await clientEnd).error).toBe('ECONNRESET')
    expect(await serverEnd).toEqual({ ended: true })
  })

  it('refuses to send to a side that was reset or sent a FIN, rather than record what never went', async () => {
    const { c, id } = await opened()
    await t.engine['conn.shut']({ connId: id, side: 'server', how: 'fin' })
    await expect(t.engine['conn.shut']({ connId: id, side: 'server', how: 'fin' })).rejects.toThrow(/^conn \d+: the target was sent a FIN already; nothing more can go to it \(RST still can\)$/)
    await expect(t.engine['conn.inject']({ connId: id, to: 'server', payload: { kind: 'text', data: 'late' } })).rejects.toThrow(/the target was sent a FIN already/)
    // The bytes and the RST asked at once: the RST wins the race (the payload is built first), and the bytes are refused, not recorded.
    const [sent, shut] = await Promise.allSettled([
      t.engine['conn.inject']({ connId: id, to: 'client', payload: { kind: 'text', data: '!!' } }),
      t.engine['conn.shut']({ connId: id, side: 'client', how: 'rst' })
    ])
    expect(shut.status).toBe('fulfilled')
    expect(sent.status === 'rejected' && String(sent.reason)).toMatch(/the client's side is closed already \(reset or gone\); nothing was sent$/)
    expect(await actions(id)).toEqual(['client FIN sent to the target', 'server RST sent to the client, FIN to the target'])
    c.destroy()
  })

  // The judge is python's recv(): a Node socket that gets data and the RST together reports
  // an end (libuv; confirmFin in node-internals.ts says why), which once failed the e2e's RST
  // check on a loaded machine, where a toxic's delayed echo had just gone out.
  it('sends an RST right after bytes: the client reads the bytes, then the reset', async (ctx) => {
    needProgram(ctx, 'python3', programWorks('python3'))
    const report = pyClient(p.port, Buffer.from('hi'))
    await waitFor(() => serverGot.length > 0, 'the first bytes')
    const id = await lastConnId(t.engine)
    await t.engine['conn.inject']({ connId: id, to: 'client', payload: { kind: 'text', data: '!!' } })
    await t.engine['conn.shut']({ connId: id, side: 'client', how: 'rst' })
    const { data, end } = await report
    expect([data.toString(), end]).toEqual(['!!', 'reset'])
  })

  it('says in one line when a connection is not an open proxied one', async () => {
    await expect(t.engine['conn.pause']({ connId: 4242, dir: 'client', paused: true })).rejects.toThrow(/^conn 4242 is not an open proxied connection/)
  })
})

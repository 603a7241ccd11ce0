// Message breakpoints on a real proxied connection framed with a length prefix
// (`--frame length:size=2`): a message split oddly across writes is held whole, messages
// that do not match pass whole while later ones wait behind a held one, an edit's length
// field is made to fit, and a framing error (an absurd length) lets everything through
// unframed rather than waiting for it.
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { startServer, waitFor } from '../../helpers/net'
import { connected, lastConnId } from '../fault/toxic-helpers'
import { addBreak, breakRecords, heldQueue } from './break-helpers'

let t: TestEngine
let received: Buffer[]
let closeServer: () => Promise<void>
let proxyId: string
let port: number

async function proxy(frame: string): Promise<void> {
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.on('data', (c: Buffer) => received.push(c))
  })
  closeServer = server.close
  const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, frame })
  proxyId = p.id
  port = portOf(p.listen)
}

beforeEach(async () => {
  t = await testEngine()
  received = []
})
afterEach(async () => {
  await closeServer?.()
  await t.dispose()
})

const framed = (text: string): Buffer => {
  const body = Buffer.from(text)
  const head = Buffer.alloc(2)
  head.writeUInt16BE(body.length)
  return Buffer.concat([head, body])
}
const serverGot = (): Buffer => Buffer.concat(received)
const pause = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function writeInPieces(c: Socket, bytes: Buffer, cuts: number[]): Promise<void> {
  let at = 0
  for (const cut of [...cuts, bytes.length]) {
    c.write(bytes.subarray(at, cut))
    at = cut
    await pause(15)
  }
}

describe('a message breakpoint on a length-prefixed protocol', () => {
  it('holds a message split across writes whole, lets others pass whole, and refits the length of an edit', async () => {
    await proxy('length:size=2')
    const rule = await addBreak(t.engine, proxyId, { match: 'message', pattern: 'text:secret' })
    const c = await connected(port)
    const first = framed('hello')
    const held = framed('the secret word')
    const after = framed('bye')
    // The first message passes whole; the held one comes a byte, then its length's other byte, then the rest with the next message.
    await writeInPieces(c, Buffer.concat([first, held, after]), [3, first.length, first.length + 1, first.length + 2, first.length + 9])
    const [m] = await heldQueue(t.engine)
    expect(m).toMatchObject({ ruleId: rule, dir: 'client', kind: 'message', size: held.length, protocol: 'length', summary: '[15] the secret word' })
    expect(m.fields?.map((f) => f.name)).toEqual(['length', 'payload'])
    expect(Buffer.from(await t.engine['held.read']({ heldId: m.id }))).toEqual(held)
    await pause(50)
    // Nothing of the held message, nor what came after it, went on.
    expect(serverGot()).toEqual(first)

    const edited = Buffer.concat([held.subarray(0, 2), Buffer.from('the much longer secret word')])
    const outcome = await t.engine['held.forward']({ heldId: m.id, bytes: edited })
    expect(outcome).toEqual({ action: 'edited', sent: 29 })
    const want = Buffer.concat([first, framed('the much longer secret word'), after])
    await waitFor(() => serverGot().equals(want), 'the refit edit, then the message behind it')
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'edited'])
    expect(records[0].info).toMatchObject({ offset: first.length, size: held.length })
    c.destroy()
  })

  it('holds the next matching message behind a released one, and drops one', async () => {
    await proxy('length:size=2')
    await addBreak(t.engine, proxyId, { match: 'message', pattern: 'text:x' })
    const c = await connected(port)
    c.write(Buffer.concat([framed('x1'), framed('a'), framed('x2'), framed('b')]))
    const [m1] = await heldQueue(t.engine)
    expect(m1.summary).toBe('[2] x1')
    await t.engine['held.drop']({ heldId: m1.id })
    await waitFor(() => serverGot().equals(framed('a')), 'the message after the dropped one')
    const [m2] = await heldQueue(t.engine)
    expect(m2.summary).toBe('[2] x2')
    await t.engine['held.forward']({ heldId: m2.id })
    await waitFor(() => serverGot().equals(Buffer.concat([framed('a'), framed('x2'), framed('b')])), 'the rest in order')
    c.destroy()
  })

  it('refuses an edit shorter than the length field, and the message stays held', async () => {
    await proxy('length:size=2')
    await addBreak(t.engine, proxyId, { match: 'message' })
    const c = await connected(port)
    c.write(framed('hi'))
    const [m] = await heldQueue(t.engine)
    await expect(t.engine['held.forward']({ heldId: m.id, bytes: Buffer.from([1]) })).rejects.toThrow(/shorter than the 2-byte header/)
    expect((await t.engine['held.list']()).map((h) => h.id)).toEqual([m.id])
    // fixLength false sends what was typed.
    await t.engine['held.forward']({ heldId: m.id, bytes: Buffer.from('raw'), fixLength: false })
    await waitFor(() => serverGot().toString() === 'raw', 'the edit as typed')
    c.destroy()
  })

  it('passes a stream whose length field is absurd unframed, holding nothing and never waiting', async () => {
    await proxy('length:size=4,max=1KiB')
    await addBreak(t.engine, proxyId, { match: 'message' })
    const c = await connected(port)
    const absurd = Buffer.concat([Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from('garbage that never ends')])
    c.write(absurd)
    await waitFor(() => serverGot().equals(absurd), 'the bytes at the server')
    c.write('more')
    await waitFor(() => serverGot().toString().endsWith('more'), 'later bytes too')
    expect(await t.engine['held.list']()).toEqual([])
    c.destroy()
  })

  it('passes what is left of a message the client ended inside, then the FIN', async () => {
    await proxy('length:size=2')
    await addBreak(t.engine, proxyId, { match: 'message', pattern: 'text:never' })
    const c = await connected(port)
    const partial = framed('cut short').subarray(0, 6)
    c.end(partial)
    await waitFor(() => serverGot().equals(partial), 'the partial message at the server')
  })
})

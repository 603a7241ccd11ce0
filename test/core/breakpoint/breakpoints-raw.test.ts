// Raw breakpoints on a real proxied connection: a chunk held, edited and forwarded as the
// server then sees it; dropped; the connection closed with FIN or RST; a timeout that lets
// it go unchanged; the other direction flowing while one is held; a rule set while the
// connection is already open; and what the capture records of each.
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { collect, outcomeOf, waitFor } from '../../helpers/net'
import { connected, lastConnId, proxyTo, type ToxicProxy } from '../fault/toxic-helpers'
import { addBreak, breakRecords, heldQueue } from './break-helpers'
import { READ_AHEAD } from '../../../src/core/breakpoint/break-direction'

let t: TestEngine
let p: ToxicProxy
/** What the server received on each connection, as it came. */
let received: Buffer[][]
beforeEach(async () => {
  t = await testEngine()
  received = []
  p = await proxyTo(t.engine, (s) => {
    const mine: Buffer[] = []
    received.push(mine)
    s.on('data', (c: Buffer) => mine.push(c))
  })
})
afterEach(async () => {
  await p.close()
  await t.dispose()
})

const serverGot = (i = 0): string => Buffer.concat(received[i] ?? []).toString()

async function client(): Promise<Socket> {
  return connected(p.port)
}

describe('a raw breakpoint', () => {
  it('holds a matching chunk until it is forwarded edited; the server gets the edit, the capture keeps both', async () => {
    const rule = await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'PASS', stream: 'upstream' })
    const c = await client()
    c.write('USER bob\r\n')
    await waitFor(() => serverGot() === 'USER bob\r\n', 'the first chunk to pass')
    c.write('PASS secret\r\n')
    const [held] = await heldQueue(t.engine)
    expect(held).toMatchObject({ proxyId: p.proxyId, ruleId: rule, dir: 'client', kind: 'chunk', size: 13 })
    expect(Buffer.from(await t.engine['held.read']({ heldId: held.id })).toString()).toBe('PASS secret\r\n')
    await new Promise((r) => setTimeout(r, 50))
    expect(serverGot()).toBe('USER bob\r\n')

    const outcome = await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from('PASS guessed!\r\n') })
    expect(outcome).toEqual({ action: 'edited', sent: 15 })
    await waitFor(() => serverGot() === 'USER bob\r\nPASS guessed!\r\n', 'the edit at the server')
    expect(await t.engine['held.list']()).toEqual([])

    const connId = await lastConnId(t.engine)
    const records = await breakRecords(t.engine, connId)
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'edited'])
    expect(records[1].info).toMatchObject({ rule, offset: 10, size: 13, sentSize: 15, sent: Buffer.from('PASS guessed!\r\n').toString('base64') })
    expect(String(records[1].info?.message)).toMatch(/^edited: 13 B → 15 B after \d+\.\d s$/)
    // The capture's stream is what the client sent.
    const sent = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId, dir: 'client', offset: 0, length: 100 })).toString()
    expect(sent).toBe('USER bob\r\nPASS secret\r\n')
    const [info] = await t.engine['break.list']({ proxyId: p.proxyId })
    expect(info).toMatchObject({ hits: 1, heldNow: 0, edited: 1, forwarded: 0, dropped: 0 })
    c.destroy()
  })

  it('keeps later chunks behind a held one, in order, and lets the other direction flow', async () => {
    await p.close()
    // An echo that also greets: the server talks while the client's chunk is held.
    p = await proxyTo(t.engine, (s) => {
      const mine: Buffer[] = []
      received.push(mine)
      s.on('data', (c: Buffer) => {
        mine.push(c)
        s.write(`ack ${c.length}\n`)
      })
    })
    await addBreak(t.engine, p.proxyId, { match: 'hex', pattern: '42 52 4b', stream: 'upstream' })
    const c = await client()
    const answers: string[] = []
    c.on('data', (d: Buffer) => answers.push(d.toString()))
    c.write('one ')
    await waitFor(() => answers.join('').includes('ack 4'), 'the first answer')
    c.write('BRK')
    const [held] = await heldQueue(t.engine)
    c.write(' after')
    // The server speaks while the client's chunk is held: the client hears it, the chunk stays held.
    p.accepted[0].write('news\n')
    await waitFor(() => answers.join('').endsWith('news\n'), "the server's line during the hold")
    await new Promise((r) => setTimeout(r, 100))
    expect(serverGot()).toBe('one ')
    expect((await t.engine['held.list']()).map((h) => h.id)).toEqual([held.id])
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => serverGot() === 'one BRK after', 'the held chunk, then what came after it')
    // The server's line came before any answer to the chunks released after it.
    await waitFor(() => answers.join('').startsWith('ack 4\nnews\nack '), 'the answers to the released chunks')
  })

  it('drops a held chunk: the server never sees it, and the rule counts it', async () => {
    await addBreak(t.engine, p.proxyId, { match: 'regex', pattern: 'DROP\\d+' })
    const c = await client()
    c.write('DROP12')
    const [held] = await heldQueue(t.engine)
    expect(await t.engine['held.drop']({ heldId: held.id })).toEqual({ action: 'dropped', sent: 0 })
    c.write('kept')
    await waitFor(() => serverGot() === 'kept', 'the next chunk')
    expect((await t.engine['break.list']({ proxyId: p.proxyId }))[0]).toMatchObject({ dropped: 1, heldNow: 0 })
    expect((await breakRecords(t.engine, await lastConnId(t.engine))).map((r) => r.info?.action)).toEqual(['held', 'dropped'])
  })

  it('closes the connection with RST: both sides see a reset', async () => {
    await addBreak(t.engine, p.proxyId, { match: 'chunk', stream: 'upstream' })
    const c = await client()
    const clientEnd = outcomeOf(c)
    c.write('x')
    const [held] = await heldQueue(t.engine)
    const serverEnd = outcomeOf(p.accepted[0])
    await t.engine['held.close']({ heldId: held.id, how: 'rst' })
    expect((await clientEnd).error).toBe('ECONNRESET')
    expect((await serverEnd).error).toBe('ECONNRESET')
    expect(serverGot()).toBe('')
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records[1].info).toMatchObject({ action: 'dropped', closedWith: 'rst', size: 1, heldMs: expect.any(Number) })
    expect(String(records[1].info?.message)).toMatch(/^dropped after \d+\.\d s, connection closed with RST$/)
  })

  it('closes the connection with FIN: both sides see a clean end', async () => {
    await addBreak(t.engine, p.proxyId, { match: 'chunk', stream: 'upstream' })
    const c = await client()
    const clientEnd = outcomeOf(c, { endOnFin: true })
    c.write('x')
    const [held] = await heldQueue(t.engine)
    const serverEnd = outcomeOf(p.accepted[0], { endOnFin: true })
    await t.engine['held.close']({ heldId: held.id, how: 'fin' })
    expect(await clientEnd).toEqual({ ended: true })
    expect(await serverEnd).toEqual({ ended: true })
  })

  it('times out: the chunk goes on unchanged and the record says so', async () => {
    // Long enough for the held queue to be read before it expires on a loaded machine.
    await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'slow', timeoutMs: 600 })
    const c = await client()
    c.write('slow one')
    const [held] = await heldQueue(t.engine)
    expect(held.expiresAt! - held.heldAt).toBe(600)
    await waitFor(() => serverGot() === 'slow one', 'the chunk after the timeout')
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'timeout'])
    expect(String(records[1].info?.message)).toMatch(/^timed out after 0\.\d s: forwarded unchanged$/)
  })

  it('holds the next chunk of a connection that was open before the proxy had any rule', async () => {
    const c = await client()
    c.write('before')
    await waitFor(() => serverGot() === 'before', 'the chunk before any rule')
    await addBreak(t.engine, p.proxyId, { match: 'chunk', stream: 'upstream' })
    c.write('after')
    const [held] = await heldQueue(t.engine)
    expect(Buffer.from(held.preview).toString()).toBe('after')
    await t.engine['held.forwardAll']({ proxyId: p.proxyId, disable: true })
    await waitFor(() => serverGot() === 'beforeafter', 'the held chunk')
    expect((await t.engine['break.list']({ proxyId: p.proxyId }))[0].enabled).toBe(false)
    c.write('!')
    await waitFor(() => serverGot() === 'beforeafter!', 'a chunk once the rule is off')
  })

  it('marks a held message whose connection closes, and says so when it is acted on', async () => {
    await addBreak(t.engine, p.proxyId, { match: 'chunk', stream: 'upstream' })
    const c = await client()
    c.on('error', () => {})
    c.write('lost')
    const [held] = await heldQueue(t.engine)
    // The target gives up waiting.
    p.accepted[0].resetAndDestroy()
    await expect.poll(async () => (await t.engine['held.list']())[0]?.connClosed).toBe(true)
    expect(await t.engine['held.forward']({ heldId: held.id })).toEqual({ action: 'closed', sent: 0 })
    expect(serverGot()).toBe('')
  })

  it("marks a held message whose own sender resets meanwhile, at once (what comes behind it is read a little way on)", async () => {
    await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'HOLD', stream: 'upstream' })
    const c = await client()
    c.on('error', () => {})
    c.write('HOLD this')
    const [held] = await heldQueue(t.engine)
    // More behind it, well within the read-ahead, then the client itself resets.
    c.write('and more')
    await new Promise((r) => setTimeout(r, 50))
    c.resetAndDestroy()
    await expect.poll(async () => (await t.engine['held.list']())[0]?.connClosed).toBe(true)
    expect(await t.engine['held.forward']({ heldId: held.id })).toEqual({ action: 'closed', sent: 0 })
    expect(serverGot()).toBe('')
  })

  it('pauses a sender that sends more than the read-ahead behind a held chunk, and lets it all go in order', async () => {
    await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'HOLD', stream: 'upstream' })
    const c = await client()
    c.write('HOLD')
    const [held] = await heldQueue(t.engine)
    // More than loopback's socket buffers hold however the kernel tunes them (a few MiB each way).
    const behind = Buffer.alloc(Math.max(READ_AHEAD * 64, 32 * 1024 * 1024), 0x61)
    c.write(behind)
    await new Promise((r) => setTimeout(r, 200))
    // What the proxy read is bounded: the rest waits in the kernel's buffers and the client's.
    expect(c.writableLength).toBeGreaterThan(0)
    expect(serverGot()).toBe('')
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => (received[0] ?? []).reduce((n, b) => n + b.length, 0) === 4 + behind.length, 'everything, in order', 60_000)
    expect(serverGot().slice(0, 5)).toBe('HOLDa')
  })

  it('refuses a bad rule in one line', async () => {
    await expect(t.engine['break.add']({ proxyId: p.proxyId, rule: { match: 'text' } })).rejects.toThrow(/^breakpoint: a text breakpoint needs a pattern/)
    await expect(t.engine['break.add']({ proxyId: p.proxyId, rule: { match: 'regex', pattern: '(a' } })).rejects.toThrow(/bad regular expression/)
    await expect(t.engine['break.add']({ proxyId: p.proxyId, rule: { match: 'http-response', status: '9zz' } })).rejects.toThrow(/is not a status or a class/)
    await expect(t.engine['break.add']({ proxyId: p.proxyId, rule: { match: 'chunk', method: 'GET' } })).rejects.toThrow(/belong to HTTP breakpoints/)
    await expect(t.engine['break.add']({ proxyId: p.proxyId, rule: { match: 'chunk', filter: 'colour:red' } })).rejects.toThrow(/unknown filter word/)
    await expect(t.engine['held.forward']({ heldId: 999 })).rejects.toThrow(/nothing is held as 999/)
  })

  it('applies only to the connections its filter picks', async () => {
    const first = await client()
    first.write('a')
    await waitFor(() => serverGot() === 'a', 'the first connection')
    const firstId = await lastConnId(t.engine)
    await addBreak(t.engine, p.proxyId, { match: 'chunk', filter: `conn:${firstId + 1}`, stream: 'upstream' })
    first.write('b')
    await waitFor(() => serverGot() === 'ab', 'the unpicked connection to flow')
    const second = await client()
    second.write('c')
    const [held] = await heldQueue(t.engine)
    expect(held.connId).toBe(firstId + 1)
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => serverGot(1) === 'c', 'the picked connection')
  })
})

describe('the Held queue as front ends see it', () => {
  it('announces every change in a batch, with the rules and their counters', async () => {
    const seen: string[] = []
    const off = t.engine.subscribe((e) => {
      if (e.type === 'held-updated') seen.push(`held ${e.held.length}`)
      if (e.type === 'breaks-updated') seen.push(`rules ${e.rules.map((r) => r.heldNow).join()}`)
    })
    await addBreak(t.engine, p.proxyId, { match: 'chunk', stream: 'upstream' })
    const c = await client()
    c.write('x')
    const [held] = await heldQueue(t.engine)
    expect(t.engine.snapshot().held).toHaveLength(1)
    expect(t.engine.snapshot().breaks?.[p.proxyId]).toHaveLength(1)
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => seen.includes('held 0'), 'the queue emptied')
    expect(seen).toContain('held 1')
    expect(seen).toContain('rules 1')
    off()
    void collect
  })
})

// Keeping a held message while a person edits it (held.keep), on a real proxied connection:
// its timeout starts again, as long as its rule gave it, so the edit sent after the first
// deadline is what the server gets, not the original forwarded by the timeout; kept and then
// left alone it still goes on unchanged when the new deadline comes. Front ends hear of the
// new deadline; a message held until someone decides has none to move. A keep holds it as
// long as its rule holds now, which may have changed since.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'
import { userRefusal } from '../../helpers/errors'
import { connected, lastConnId, proxyTo, type ToxicProxy } from '../fault/toxic-helpers'
import { addBreak, breakRecords, heldQueue } from './break-helpers'

let t: TestEngine
let p: ToxicProxy
let received: Buffer[]
beforeEach(async () => {
  t = await testEngine()
  received = []
  p = await proxyTo(t.engine, (s) => s.on('data', (c: Buffer) => received.push(c)))
})
afterEach(async () => {
  await p.close()
  await t.dispose()
})

const serverGot = (): string => Buffer.concat(received).toString()
const until = (at: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())))

describe('keeping a held message', () => {
  it('starts its timeout again: an edit sent after the first deadline reaches the server, not the original', async () => {
    // Long enough for the queue to be read and kept before the first deadline on a loaded machine.
    await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'PASS', timeoutMs: 1500 })
    const c = await connected(p.port)
    c.write('PASS secret')
    const [held] = await heldQueue(t.engine)
    await until(held.heldAt + 700)
    const before = Date.now()
    const kept = await t.engine['held.keep']({ heldId: held.id })
    expect(kept.expiresAt! - before).toBeGreaterThanOrEqual(1500)
    expect(kept.expiresAt! - Date.now()).toBeLessThanOrEqual(1500)
    // Front ends hear of the new deadline (the Held queue's countdown).
    expect(t.events.some((e) => e.type === 'held-updated' && e.held.some((m) => m.id === held.id && m.expiresAt === kept.expiresAt))).toBe(true)

    // Past the first deadline: still held, nothing sent.
    await until(held.expiresAt! + 300)
    expect(serverGot()).toBe('')
    expect((await t.engine['held.list']()).map((m) => [m.id, m.expiresAt])).toEqual([[held.id, kept.expiresAt]])

    expect(await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from('PASS guessed') })).toEqual({ action: 'edited', sent: 12 })
    await waitFor(() => serverGot() === 'PASS guessed', 'the edit at the server')
    expect((await breakRecords(t.engine, await lastConnId(t.engine))).map((r) => r.info?.action)).toEqual(['held', 'edited'])
    c.destroy()
  })

  it('kept and left alone, it still goes on unchanged at the new deadline', async () => {
    await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'slow', timeoutMs: 800 })
    const c = await connected(p.port)
    c.write('slow one')
    const [held] = await heldQueue(t.engine)
    await until(held.heldAt + 400)
    const kept = await t.engine['held.keep']({ heldId: held.id })
    await waitFor(() => serverGot() === 'slow one', 'the chunk at its new deadline')
    expect(Date.now()).toBeGreaterThanOrEqual(kept.expiresAt! - 5)
    expect((await breakRecords(t.engine, await lastConnId(t.engine))).map((r) => r.info?.action)).toEqual(['held', 'timeout'])
    c.destroy()
  })

  it("holds it again for as long as its rule holds now, and until someone decides once the rule says so", async () => {
    const ruleId = await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'PASS', timeoutMs: 60_000 })
    const c = await connected(p.port)
    c.write('PASS secret')
    const [held] = await heldQueue(t.engine)
    expect(held.expiresAt! - held.heldAt).toBe(60_000)
    // The rule's timeout shortened while the message waits: a keep gives it the new one, not the old.
    await t.engine['break.update']({ proxyId: p.proxyId, id: ruleId, timeoutMs: 700 })
    const before = Date.now()
    const kept = await t.engine['held.keep']({ heldId: held.id })
    expect(kept.expiresAt! - before).toBeGreaterThanOrEqual(700)
    expect(kept.expiresAt! - Date.now()).toBeLessThanOrEqual(700)
    // Now until someone decides: no deadline, and no timeout forwards it.
    await t.engine['break.update']({ proxyId: p.proxyId, id: ruleId, timeoutMs: 0 })
    expect((await t.engine['held.keep']({ heldId: held.id })).expiresAt).toBeUndefined()
    expect(t.events.some((e) => e.type === 'held-updated' && e.held.some((m) => m.id === held.id && m.expiresAt === undefined))).toBe(true)
    await until(kept.expiresAt! + 300)
    expect(serverGot()).toBe('')
    expect((await t.engine['held.list']()).map((m) => [m.id, m.expiresAt])).toEqual([[held.id, undefined]])
    // And a keep then changes nothing.
    expect((await t.engine['held.keep']({ heldId: held.id })).expiresAt).toBeUndefined()
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => serverGot() === 'PASS secret', 'the chunk forwarded')
    c.destroy()
  })

  it('leaves a message held until someone decides as it is, and says when nothing is held under that id', async () => {
    await addBreak(t.engine, p.proxyId, { match: 'text', pattern: 'wait', timeoutMs: 0 })
    const c = await connected(p.port)
    c.write('wait here')
    const [held] = await heldQueue(t.engine)
    expect(held.expiresAt).toBeUndefined()
    expect((await t.engine['held.keep']({ heldId: held.id })).expiresAt).toBeUndefined()
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => serverGot() === 'wait here', 'the chunk forwarded')
    const gone = await userRefusal(t.engine['held.keep']({ heldId: held.id }))
    expect(gone.message).toMatch(/^nothing is held as \d+: it was forwarded, dropped or timed out already/)
    c.destroy()
  })
})

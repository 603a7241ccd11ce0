// A request edited at a breakpoint, as every view of what was delivered reads it: the capture
// keeps the request the client sent (its stream is as sent, byte for byte) and the `break`
// record keeps what was forwarded instead. http.delivered gives the request as the target got
// it, saying which breakpoint edited it; the HAR exported as delivered and the byte stream as
// delivered carry the same bytes. The connection list's row says the connection was edited
// at a breakpoint, live, reopened from the saved file's index and walked record by record.
// A real client and target on loopback.
import type { Socket } from 'node:net'
import { appendFileSync, copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, waitFor } from '../../helpers/net'
import { addBreak, breakRecords, heldQueue } from './break-helpers'
import { proxyTo, type ToxicProxy } from '../fault/toxic-helpers'
import { FileCapture } from '../../../src/core/capture/file-capture'

let t: TestEngine
let target: ToxicProxy
let targetGot: string
let proxyId: string
let proxyPort: number

const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'

beforeEach(async () => {
  t = await testEngine()
  targetGot = ''
  target = await proxyTo(t.engine, (s: Socket) =>
    s.on('data', (d: Buffer) => {
      targetGot += d.toString('latin1')
      if (targetGot.endsWith('\r\n\r\nuser=bob&pass=LONGER')) s.write(ANSWER)
    })
  )
  proxyId = target.proxyId
  proxyPort = target.port
})
afterEach(async () => {
  await target.close()
  await t.dispose()
})

const ORIGINAL = 'POST /login HTTP/1.1\r\nhost: api.test\r\ncontent-length: 18\r\n\r\nuser=bob&pass=PASS'
const EDITED = 'POST /login?v=2 HTTP/1.1\r\nhost: api.test\r\nx-edited: yes\r\ncontent-length: 20\r\n\r\nuser=bob&pass=LONGER'

describe('a request edited at a breakpoint', () => {
  it('is delivered as forwarded, names the breakpoint, and keeps the original as sent', async () => {
    await addBreak(t.engine, proxyId, { match: 'http-request', path: '/login' })
    const client = await connectTo(proxyPort)
    let got = ''
    client.on('data', (d: Buffer) => (got += d.toString('latin1')))
    client.write(ORIGINAL)
    const [held] = await heldQueue(t.engine)
    expect(await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(EDITED) })).toMatchObject({ action: 'edited' })
    await waitFor(() => got === ANSWER, 'the answer to the edited request')
    expect(targetGot).toBe(EDITED)
    client.end()

    const connId = t.engine.capture.connections().at(-1)!.id
    // Nothing lost, nothing invented: the stream is what the client sent, the record what went on.
    const sent = Buffer.from(await t.engine['conn.read']({ capture: 'live', connId, dir: 'client', offset: 0, length: 4096 })).toString('latin1')
    expect(sent).toBe(ORIGINAL)
    const edit = (await breakRecords(t.engine, connId)).find((r) => r.info?.action === 'edited')
    expect(Buffer.from(String(edit?.info?.sent), 'base64').toString('latin1')).toBe(EDITED)

    // The exchange as decoded is the original; as delivered, the request the target got.
    const [x] = (await t.engine['http.exchanges']({ capture: 'live', connId, from: 0, limit: 10 })).exchanges
    expect(x.request?.target).toBe('/login')
    const d = await t.engine['http.delivered']({ capture: 'live', connId, exchange: 0 })
    expect(d.local).toBe(false)
    expect(d.notes).toEqual([expect.stringMatching(new RegExp(`^the request as the target got it: breakpoint b1: edited: ${ORIGINAL.length} B → ${EDITED.length} B after \\d+\\.\\d s$`))])
    expect(d.request?.message).toMatchObject({ method: 'POST', target: '/login?v=2', body: { size: 20 } })
    expect(d.request?.message.headers.map((h) => [h.name, h.value])).toEqual([
      ['host', 'api.test'],
      ['x-edited', 'yes'],
      ['content-length', '20']
    ])
    expect(Buffer.from(d.request!.body).toString()).toBe('user=bob&pass=LONGER')
    // The target's response is the one it sent: the breakpoint changed the request only.
    expect(d.response).toBeUndefined()

    // The byte view as delivered: the client's stream as the target got it.
    const map = await t.engine['conn.delivered']({ capture: 'live', connId, dir: 'client' })
    expect(map).toMatchObject({ records: 1, size: EDITED.length, sentSize: ORIGINAL.length })
    expect(map.spans).toEqual([expect.objectContaining({ at: 0, size: EDITED.length, sentOffset: 0, sentSize: ORIGINAL.length, rule: 'b1', action: 'rewrite', by: 'break' })])
    const asDelivered = Buffer.from(await t.engine['conn.delivered.read']({ capture: 'live', connId, dir: 'client', offset: 0, length: 4096 })).toString('latin1')
    expect(asDelivered).toBe(EDITED)

    // Exported as delivered, the HAR's request is the forwarded one.
    const file = join(t.dir, 'delivered.har')
    await t.engine['capture.export']({ capture: 'live', format: 'har', path: file, as: 'delivered' })
    const entry = (JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: Array<{ request: { url: string; postData?: { text: string } }; comment?: string }> } }).log.entries[0]
    expect(entry.request.url).toBe('http://api.test/login?v=2')
    expect(entry.request.postData?.text).toBe('user=bob&pass=LONGER')
    expect(entry.comment).toMatch(/breakpoint b1: edited/)

    // The connection list's row says so, from the break record the index saw: live, and in the
    // saved file, from its stored index and walked record by record (no sound trailer).
    const [row] = await t.engine['conn.get']({ capture: 'live', ids: [connId] })
    expect(row.changed).toEqual({ breakpoint: true })
    // The list's filter finds what the mark says, live and from a saved file's stored index.
    const ids = async (capture: string, filter: string): Promise<number[]> => (await t.engine['conn.page']({ capture, offset: 0, limit: 50, filter })).rows.map((r) => r.id)
    const saved = join(t.dir, 'edited.tcap')
    await t.engine['capture.save']({ path: saved })
    const reopened = (await t.engine['capture.open']({ path: saved })).id
    for (const capture of ['live', reopened]) {
      expect(await ids(capture, 'changed:breakpoint')).toEqual([connId])
      expect(await ids(capture, 'changed:yes')).toEqual([connId])
      expect(await ids(capture, 'changed:rule')).toEqual([])
      expect(await ids(capture, 'changed:no')).not.toContain(connId)
    }
    const walkedPath = join(t.dir, 'edited-walked.tcap')
    copyFileSync(saved, walkedPath)
    appendFileSync(walkedPath, Buffer.alloc(64))
    for (const path of [saved, walkedPath]) {
      const file = await FileCapture.open(path)
      try {
        expect((await file.listConnections()).find((c) => c.id === connId)?.changed).toEqual({ breakpoint: true })
      } finally {
        await file.close()
      }
    }
  })

  it('changes nothing delivered when it was let go unchanged', async () => {
    await addBreak(t.engine, proxyId, { match: 'http-request', path: '/login' })
    const client = await connectTo(proxyPort)
    client.write(ORIGINAL)
    const [held] = await heldQueue(t.engine)
    await t.engine['held.forward']({ heldId: held.id })
    await waitFor(() => targetGot === ORIGINAL, 'the request as sent')
    client.destroy()
    const connId = t.engine.capture.connections().at(-1)!.id
    const d = await t.engine['http.delivered']({ capture: 'live', connId, exchange: 0 })
    expect(d).toEqual({ notes: [], local: false })
    expect((await t.engine['conn.delivered']({ capture: 'live', connId, dir: 'client' })).records).toBe(0)
    // Held and let go is no change: the list marks nothing.
    const [row] = await t.engine['conn.get']({ capture: 'live', ids: [connId] })
    expect(row.changed).toBeUndefined()
  })
})

// HTTP replay of an edited request (replay.http's `request`), the recorded response a result
// carries beside the replayed one, and the link from a replay's connection to what it
// replayed, in the live capture and in a saved capture opened again (stored index and a
// walk of the records both).
import { copyFile } from 'node:fs/promises'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closedConnections } from '../../helpers/capture-checks'
import { proxiedPair } from '../../helpers/engine'
import { randomPayload, waitFor } from '../../helpers/net'
import { userRefusal } from '../../helpers/errors'
import type { Engine } from '../../../src/core/engine'
import type { ConnectionSummary } from '../../../src/shared/capture-types'
import { capturedRequestBytes, nodeRequest, recorderBehindProxy, type RawRecorder } from './http-replay-peers'

const setup = recorderBehindProxy()

const receivedAfter = async (r: RawRecorder, before: number): Promise<Buffer> => Buffer.concat(await waitFor(() => r.received[before], 'the replayed connection'))

async function connectionsOf(engine: Engine, capture: string): Promise<ConnectionSummary[]> {
  return (await engine['conn.page']({ capture, offset: 0, limit: 1000 })).rows
}

describe('HTTP replay of an edited request', () => {
  it('sends the edited bytes exactly, says so, and compares with the recorded response', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/edit', { headers: { 'X-Which': 'captured' } })
    const [conn] = await closedConnections(t.engine, 1)
    const captured = (await capturedRequestBytes(t.engine, conn.id)).toString('latin1')
    const edited = Buffer.from(captured.replace('X-Which: captured', 'X-Which: Edited  by hand'), 'latin1')
    expect(edited.toString('latin1')).not.toBe(captured)
    const before = recorder.received.length
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, request: edited })
    expect((await receivedAfter(recorder, before)).equals(edited)).toBe(true)
    expect(first).toMatchObject({ edited: true, matched: true, sent: edited.length, fixed: [], source: { connId: conn.id, exchange: 0 } })
    expect(first!.recorded).toMatchObject({ version: 'HTTP/1.1', status: 200, reason: 'OK', bodySize: 2, complete: true })
    expect(first!.recorded!.headers[0]).toEqual({ name: 'Content-Type', value: 'text/plain' })
    expect(Buffer.from(first!.recorded!.body).toString()).toBe('ok')
    // The captured request replayed unedited says nothing of edits.
    const plain = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0 })
    expect(plain.first!.edited).toBeUndefined()
    expect(plain.first!.recorded).toEqual(first!.recorded)
  })

  it('with fixLength fits Content-Length to the edited body and Host to the target', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/fix', { method: 'POST', headers: { 'Content-Length': '5' }, body: 'hello' })
    const [conn] = await closedConnections(t.engine, 1)
    const edited = Buffer.from('POST /fix HTTP/1.1\r\nHost: elsewhere.invalid\r\nContent-Length: 5\r\nX-Keep:  as is \r\nConnection: close\r\n\r\nhello, longer', 'latin1')
    const before = recorder.received.length
    const target = `127.0.0.1:${recorder.port}`
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, request: edited, fixLength: true, target })
    const got = (await receivedAfter(recorder, before)).toString('latin1')
    expect(got).toBe(`POST /fix HTTP/1.1\r\nHost: ${target}\r\nContent-Length: 13\r\nX-Keep:  as is \r\nConnection: close\r\n\r\nhello, longer`)
    expect(first).toMatchObject({ edited: true, matched: true })
    expect(first!.fixed.sort()).toEqual(['content-length', 'host'])
  })

  it('sends a large edited body whole, its length fitted', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/big', { method: 'POST', headers: { 'Content-Length': '1' }, body: 'x' })
    const [conn] = await closedConnections(t.engine, 1)
    const body = randomPayload(3 * 1024 * 1024 + 7)
    const head = `POST /big HTTP/1.1\r\nHost: 127.0.0.1:${recorder.port}\r\nContent-Length: 1\r\nConnection: close\r\n\r\n`
    const before = recorder.received.length
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, fixLength: true, request: Buffer.concat([Buffer.from(head), body]) })
    const got = await waitFor(() => Buffer.concat(recorder.received[before] ?? []).length >= head.length + body.length && Buffer.concat(recorder.received[before]), 'the large request')
    expect(got.subarray(0, got.indexOf('\r\n\r\n') + 4).toString()).toBe(head.replace('Content-Length: 1', `Content-Length: ${body.length}`))
    expect(got.subarray(got.indexOf('\r\n\r\n') + 4).equals(body)).toBe(true)
    expect(first).toMatchObject({ matched: true, fixed: ['content-length'], sent: got.length })
  })

  it('adds a Content-Length to an edited body that has none, and leaves a chunked one alone', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/add')
    const [conn] = await closedConnections(t.engine, 1)
    const target = `127.0.0.1:${recorder.port}`
    let before = recorder.received.length
    await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, fixLength: true, target, request: Buffer.from(`PUT /add HTTP/1.1\r\nHost: ${target}\r\n\r\nbody`) })
    expect((await receivedAfter(recorder, before)).toString()).toBe(`PUT /add HTTP/1.1\r\nHost: ${target}\r\nContent-Length: 4\r\n\r\nbody`)
    const chunked = Buffer.from(`PUT /add HTTP/1.1\r\nHost: ${target}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\nbody\r\n0\r\n\r\n`)
    before = recorder.received.length
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, fixLength: true, target, request: chunked })
    expect((await receivedAfter(recorder, before)).equals(chunked)).toBe(true)
    expect(first).toMatchObject({ fixed: [], matched: true })
  })

  it('sends an edited head without its blank line as it is, but refuses to fit its lengths in one line', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/cut')
    const [conn] = await closedConnections(t.engine, 1)
    const unfinished = Buffer.from('GET /cut HTTP/1.1\r\nHost: x\r\n')
    const before = recorder.received.length
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, request: unfinished, timeoutMs: 100 })
    expect((await receivedAfter(recorder, before)).equals(unfinished)).toBe(true)
    expect(first).toMatchObject({ edited: true, matched: false })
    const err = await userRefusal(t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, request: unfinished, fixLength: true }))
    expect(err.message).toMatch(/^the edited request has no blank line ending its head/)
  })

  it('takes an edited copy of a request the capture has only part of', async () => {
    const { t, recorder } = await setup()
    const cut = await proxiedPair(t.engine)
    cut.client.end('POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
    cut.serverSide.end()
    const [conn] = await closedConnections(t.engine, 1)
    await cut.close()
    const whole = Buffer.from('POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc')
    const before = recorder.received.length
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, request: whole, target: `127.0.0.1:${recorder.port}` })
    expect((await receivedAfter(recorder, before)).equals(whole)).toBe(true)
    expect(first).toMatchObject({ edited: true, matched: false, differences: ['the capture has no response to compare with'], response: { status: 200 } })
    expect(first!.recorded).toBeUndefined()
  })

  it('repeats an edited request count times', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/many')
    const [conn] = await closedConnections(t.engine, 1)
    const edited = Buffer.from(`GET /many?edited HTTP/1.1\r\nHost: 127.0.0.1:${recorder.port}\r\nConnection: close\r\n\r\n`)
    const before = recorder.received.length
    const r = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, request: edited, count: 6, concurrency: 3 })
    expect(r.summary).toMatchObject({ count: 6, matched: 6, errors: 0 })
    expect(r.first!.edited).toBe(true)
    await waitFor(() => recorder.received.length - before === 6 && recorder.received.slice(before).every((c) => Buffer.concat(c).length === edited.length), 'six edited requests')
    for (const chunks of recorder.received.slice(before)) expect(Buffer.concat(chunks).equals(edited)).toBe(true)
  })
})

describe('the recorded response in a result', () => {
  it('is the content without chunk framing, as the replayed body is', async () => {
    const { t } = await setup()
    const server = createServer((req, res) => {
      req.resume()
      res.setHeader('X-Order', 'first')
      res.write('chunk one, ')
      res.end('chunk two')
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const port = (server.address() as { port: number }).port
      const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
      await nodeRequest(proxy.listen, '/chunked')
      const [conn] = await closedConnections(t.engine, 1)
      const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, target: `127.0.0.1:${port}` })
      expect(first!.recorded!.headers.map((h) => h.name)).toEqual(['X-Order', 'Date', 'Connection', 'Transfer-Encoding'])
      expect(first!.recorded).toMatchObject({ bodySize: 20, complete: true })
      expect(Buffer.from(first!.recorded!.body).toString()).toBe('chunk one, chunk two')
      expect(Buffer.from(first!.response!.body).toString()).toBe('chunk one, chunk two')
      expect(first!.matched).toBe(true)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})

describe("a replay's link to its source", () => {
  it('is on the replay connection live, in a saved copy reopened, and in a file read record by record', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/linked')
    const [conn] = await closedConnections(t.engine, 1)
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0 })
    const raw = await t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', target: `127.0.0.1:${recorder.port}` })
    const live = await closedConnections(t.engine, 3)
    const byId = (list: ConnectionSummary[], id: number): ConnectionSummary | undefined => list.find((c) => c.id === id)
    expect(byId(live, first!.connId!)!.replayOf).toEqual({ capture: 'live', connId: conn.id, exchange: 0 })
    expect(byId(live, raw.connId!)!.replayOf).toEqual({ capture: 'live', connId: conn.id })
    expect(byId(live, conn.id)!.replayOf).toBeUndefined()

    const saved = join(t.dir, 'saved.tcap')
    await t.engine['capture.save']({ path: saved })
    const reopened = await t.engine['capture.open']({ path: saved })
    const stored = await connectionsOf(t.engine, reopened.id)
    expect(byId(stored, first!.connId!)!.replayOf).toEqual({ capture: 'live', connId: conn.id, exchange: 0 })
    expect(byId(stored, raw.connId!)!.replayOf).toEqual({ capture: 'live', connId: conn.id })
    expect(byId(stored, conn.id)!.replayOf).toBeUndefined()
    const replaying = async (capture: string): Promise<number[]> => (await t.engine['conn.page']({ capture, offset: 0, limit: 100, filter: `replay:${conn.id}` })).rows.map((c) => c.id)
    expect(await replaying('live')).toEqual([first!.connId, raw.connId])
    expect(await replaying(reopened.id)).toEqual([first!.connId, raw.connId])

    // The live file has no stored index yet: opening a copy of it walks its records.
    const walked = join(t.dir, 'walked.tcap')
    await copyFile(t.capturePath, walked)
    const scanned = await connectionsOf(t.engine, (await t.engine['capture.open']({ path: walked })).id)
    expect(byId(scanned, first!.connId!)!.replayOf).toEqual({ capture: 'live', connId: conn.id, exchange: 0 })

    // A replay of a file's connection names the file, as its id does not outlive the engine.
    const again = await t.engine['replay.http']({ capture: reopened.id, connId: conn.id, exchange: 0, target: `127.0.0.1:${recorder.port}` })
    const replay = await waitFor(() => t.engine.capture.connections().find((c) => c.id === again.first!.connId && c.end !== 'open'), 'the replay of the file')
    expect(replay.replayOf).toEqual({ capture: reopened.id, file: 'saved.tcap', connId: conn.id, exchange: 0 })
  })
})

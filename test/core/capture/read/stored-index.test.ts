// The index a capture stores at close answers exactly what a walk over its records would,
// reads only the parts a query needs, and a damaged one is noticed and rebuilt from the
// records instead of trusted.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { readStats } from '../../../../src/core/capture/read/capture-reader'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import { BLOCK_SIZE, ENDS, F, F_COUNT } from '../../../../src/core/capture/format/index-codec'
import type { IndexView } from '../../../../src/core/capture/read/index-view'
import { collect, connectTo, randomPayload, startServer, tempDir } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { closedConnections } from '../../../helpers/capture-checks'
import { TYPE, walkRecords, withoutStoredIndex } from '../../../helpers/capture-file'
import { withIndexSectionEdited } from '../../../helpers/stored-index-edit'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

async function open(path: string): Promise<FileCapture> {
  const f = await FileCapture.open(path)
  cleanups.push(() => f.close())
  return f
}

/** Everything a reader can ask of a capture, in one comparable value. */
async function everything(f: FileCapture): Promise<unknown> {
  const conns = await f.listConnections()
  const out = []
  for (const c of conns) {
    out.push({
      summary: c,
      one: await f.connection(c.id),
      events: await f.readEvents(c.id, 0, 10_000),
      client: (await f.readBytes(c.id, 'client', 0, c.bytes.client)).toString('hex'),
      server: (await f.readBytes(c.id, 'server', 0, c.bytes.server)).toString('hex')
    })
  }
  return out
}

/** A capture of varied connections: echoed, half-closed, reset, refused, and one still open at close. */
async function sample(): Promise<string> {
  t = await testEngine()
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.on('data', (d: Buffer) => s.write(d))
    s.on('end', () => s.end())
  })
  cleanups.push(server.close)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  for (let i = 0; i < 12; i++) {
    const c = await connectTo(portOf(proxy.listen))
    const got = collect(c)
    for (let k = 0; k <= i; k++) {
      c.write(randomPayload(1 + k * 97))
      await once(c, 'data')
    }
    c.end()
    await got
  }
  const reset = await connectTo(portOf(proxy.listen))
  reset.write('x')
  await once(reset, 'data')
  reset.resetAndDestroy()
  await closedConnections(t.engine, 13)
  const refused = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: join(t.dir, 'nobody.sock') })
  const r = await connectTo(portOf(refused.listen))
  r.on('error', () => {})
  await closedConnections(t.engine, 14)
  // A request a rule answered: its answer's bytes are in no stream, only in its rule record.
  const mocking = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  await t.engine['rules.set']({ proxyId: mocking.id, rules: [{ match: { http: { path: '/mock' } }, steps: [{ respond: { status: 200, body: 'mocked' } }] }] })
  const m = await connectTo(portOf(mocking.listen))
  const answer = collect(m)
  m.end('GET /mock HTTP/1.1\r\nhost: a.test\r\nconnection: close\r\n\r\n')
  await answer
  await closedConnections(t.engine, 15)
  // A request a rule reset: tcpscope's reset, with what made it and to whom, in the close record and the stored flags.
  await t.engine['rules.set']({ proxyId: mocking.id, rules: [{ match: { http: { path: '/reset' } }, steps: [{ reset: true }] }] })
  const r2 = await connectTo(portOf(mocking.listen))
  r2.on('error', () => {})
  r2.write('GET /reset HTTP/1.1\r\nhost: a.test\r\n\r\n')
  await closedConnections(t.engine, 16)
  const open = await connectTo(portOf(proxy.listen))
  open.write('still open')
  await once(open, 'data')
  await t.engine.close()
  open.destroy()
  return t.capturePath
}

/** The file with its stored index's numbers edited by hand (`edit` gets each row's cells). */
function withNumbersEdited(file: Buffer, edit: (cells: Float64Array) => void): Buffer {
  return withIndexSectionEdited(file, 'numbers', (bytes) => {
    // A copy: the section's bytes need not sit 8-aligned in the buffer.
    const cells = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
    edit(cells)
    Buffer.from(cells.buffer).copy(bytes)
  })
}

describe('the stored index', () => {
  it('answers every query exactly as the records do', async () => {
    const path = await sample()
    const file = readFileSync(path)
    expect(walkRecords(file).at(-1)!.type).toBe(TYPE.Trailer)
    const scanned = join(t!.dir, 'scanned.tcap')
    writeFileSync(scanned, withoutStoredIndex(file))

    const stored = await open(path)
    const walked = await open(scanned)
    expect(stored.info().cutAt).toBeUndefined()
    // The copy without the index ends where the index began: a clean cut, no torn record.
    expect(walked.info().cutAt).toBeUndefined()
    expect(await everything(stored)).toEqual(await everything(walked))
    expect((await stored.listConnections()).map((c) => c.end)).toEqual([...Array(12).fill('closed'), 'client-reset', 'connect-failed', 'closed', 'tcpscope-reset', 'stopped'])
    expect((await stored.listConnections())[15].changed).toEqual({ reset: { by: 'rule', rst: { client: true, server: true } } })
    expect((await stored.listConnections()).map((c) => c.answered ?? 0).filter((n) => n > 0)).toHaveLength(1)
  })

  it('reads one connection without reading the rest: a few blocks of index and its own bytes', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const path = join(dir, 'many.tcap')
    const capture = await LiveCapture.create(path)
    const chunk = randomPayload(1000)
    for (let i = 0; i < 5000; i++) {
      const conn = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 10000 + i, family: 'IPv4' }, target: '127.0.0.1:9' })
      conn.connected({ address: '127.0.0.1', port: 40000, family: 'IPv4' }, { address: '127.0.0.1', port: 9, family: 'IPv4' })
      for (let k = 0; k < 4; k++) conn.data(k % 2 ? 'server' : 'client', chunk)
      conn.close('closed')
    }
    await capture.close()
    const before = readStats.bytes
    const f = await open(path)
    const index = (f as unknown as { index: IndexView }).index
    expect(index.loadedRow(2500)).toBeUndefined()
    const summary = await f.connection(2500)
    const bytes = await f.readBytes(2500, 'client', 0, 2000)
    const read = readStats.bytes - before
    expect(summary).toMatchObject({ id: 2500, bytes: { client: 2000, server: 2000 }, client: { port: 12499 } })
    expect(bytes.equals(Buffer.concat([chunk, chunk]))).toBe(true)
    // The file is over 20 MB; the stored index alone is about 1 MB.
    expect(readFileSync(path).length).toBeGreaterThan(20_000_000)
    expect(read).toBeLessThan(8 * BLOCK_SIZE)
    // Loaded once, its row answers at once (decoding asks again and again); only its row.
    expect([index.loadedRow(2500), index.loadedRow(2501), index.loadedRow(5001)]).toEqual([2499, undefined, undefined])
    expect(await f.connection(2500)).toEqual(summary)
    expect((await f.readBytes(2500, 'client', 1000, 1000)).equals(chunk)).toBe(true)
  })

  it('loads every row and its record list at once for a file\'s decoding: each row then answers without a load, as one loaded alone would', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const path = join(dir, 'rows.tcap')
    const capture = await LiveCapture.create(path)
    for (let i = 0; i < 3000; i++) {
      const conn = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 10000 + i, family: 'IPv4' }, target: '127.0.0.1:9' })
      conn.connected({ address: '127.0.0.1', port: 40000, family: 'IPv4' }, { address: '127.0.0.1', port: 9, family: 'IPv4' })
      for (let k = 0; k <= i % 3; k++) conn.data(k % 2 ? 'server' : 'client', Buffer.from(`#${i}.${k}`))
      conn.close('closed')
    }
    await capture.close()
    const alone = await open(path)
    const f = await open(path)
    const index = (f as unknown as { index: IndexView }).index
    expect(index.loadedRow(1500)).toBeUndefined()
    await f.loadForDecoding()
    const rows = Array.from({ length: 3000 }, (_, i) => index.loadedRow(i + 1))
    expect(rows).toEqual(Array.from({ length: 3000 }, (_, i) => i))
    // What each row answers is what a file that loads rows one at a time answers.
    for (const id of [1, 2, 3, 1500, 2999, 3000]) {
      const row = index.loadedRow(id)!
      expect(await f.decodeState(id)).toEqual(await alone.decodeState(id))
      expect(await f.readEvents(id)).toEqual(await alone.readEvents(id))
      const aloneIndex = (alone as unknown as { index: IndexView }).index
      expect(index.recordCount(row)).toBe(aloneIndex.recordCount(aloneIndex.loadedRow(id)!))
      expect(index.recordCount(row)).toBe(index.recordCount(index.loadedRow(1)!) + ((id - 1) % 3))
    }
    expect(index.loadedRow(3001)).toBeUndefined()
  })

  it('shows no reset mark on a row that did not end as tcpscope-reset, whatever its flags say (a tampered index)', async () => {
    const path = await sample()
    const real = await open(path)
    const reset = (await real.listConnections()).find((c) => c.end === 'tcpscope-reset')!
    expect(reset.changed?.reset).toBeDefined()
    // The reset row's end made a peer's reset: its flags still carry tcpscope's reset.
    const tampered = withNumbersEdited(readFileSync(path), (cells) => {
      for (let row = 0; row * F_COUNT < cells.length; row++) if (cells[row * F_COUNT + F.ID] === reset.id) cells[row * F_COUNT + F.END] = ENDS.indexOf('server-reset')
    })
    const at = join(t!.dir, 'tampered.tcap')
    writeFileSync(at, tampered)
    const f = await open(at)
    // Read from the stored index, not rebuilt from the records.
    expect(f.info().indexProblem).toBeUndefined()
    const row = (await f.listConnections()).find((c) => c.id === reset.id)!
    expect(row.end).toBe('server-reset')
    expect(row.changed).toBeUndefined()
    expect((await f.connection(reset.id))?.changed).toBeUndefined()
  })

  it('a damaged stored index is not trusted: the index is rebuilt from the records, and info says so', async () => {
    const path = await sample()
    const file = readFileSync(path)
    const index = walkRecords(file).find((r) => r.type === TYPE.Index)!
    const damaged = Buffer.from(file)
    damaged[index.start + 40 + 200] ^= 0xff
    const at = join(t!.dir, 'damaged.tcap')
    writeFileSync(at, damaged)
    const f = await open(at)
    expect(f.info().indexProblem).toMatch(/^the stored index is damaged \(block 0 fails its CRC\); the index was rebuilt from the records$/)
    expect(await everything(f)).toEqual(await everything(await open(path)))
  })
})

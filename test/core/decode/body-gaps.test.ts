// A body read from a capture with a gap in it (bytes forwarded but not kept: `--when-disk-is-slow
// drop`) says so (NotKeptError, as every other read of a gap does): it never takes the kept
// bytes after the gap for those missing, nor ends at the gap without a word. A review found a
// chunked body's chunk longer than a read skipped the kept bytes after a gap (wrong content),
// and an HTTP/2 body's frames past those listed ended at one. Real peers through the proxy;
// their capture then has one data record in the body made a gap record (as the writer makes
// one when it drops a chunk), and the body is read by the messages decoded before.
import { afterEach, describe, expect, it } from 'vitest'
import http2 from 'node:http2'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { Engine } from '../../../src/core/engine'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { FORMAT_VERSION, RECORD_HEADER_SIZE, RecordType, readRecordHeader, writeRecordHeader } from '../../../src/core/capture/format/capture-format'
import { NotKeptError } from '../../../src/core/capture/read/capture-reader'
import { readBody } from '../../../src/core/decode/body-content'
import type { Direction } from '../../../src/shared/direction'
import { MAX_CHUNK_RANGES, MAX_H2_DATA_RANGES } from '../../../src/shared/protocol-types'
import { collect, connectTo, listen, portOf, randomPayload, startServer, tempDir, waitFor } from '../../helpers/net'
import { closedConnections } from '../../helpers/capture-checks'
import { DIR, TYPE, walkRecords, withoutStoredIndex } from '../../helpers/capture-file'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const MiB = 1024 * 1024

async function engineIn(): Promise<{ engine: Engine; path: string; dir: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const path = join(dir, 'body.tcap')
  const engine = await Engine.create({ capturePath: path })
  cleanups.push(() => engine.close())
  return { engine, path, dir }
}

/**
 * The capture at `path` with the data record of `dir` holding stream offset `at` made a gap
 * record of the same bytes, as the writer leaves one (its stored index left out: opening
 * it scans the records again). Returns the gap's bytes.
 */
async function withGapAt(path: string, out: string, connId: number, dir: Direction, at: number): Promise<{ from: number; to: number }> {
  const file = withoutStoredIndex(await readFile(path))
  let offset = 0
  for (const r of walkRecords(file)) {
    if (r.type !== TYPE.Data || r.connId !== connId || r.dir !== DIR[dir]) continue
    if (at >= offset + r.length) {
      offset += r.length
      continue
    }
    const h = readRecordHeader(file, r.start)!
    const info = Buffer.from(JSON.stringify({ offset, bytes: r.length }))
    const gap = Buffer.alloc(RECORD_HEADER_SIZE + info.length)
    writeRecordHeader(gap, new DataView(gap.buffer, gap.byteOffset, gap.length), 0, RecordType.Gap, DIR[dir], connId, r.seq, info.length, h.time, h.mono)
    info.copy(gap, RECORD_HEADER_SIZE)
    const edited = Buffer.concat([file.subarray(0, r.start), gap, file.subarray(r.end)])
    // Gap records came with format 3: a capture that could not drop is written as 2.
    edited.writeUInt16LE(FORMAT_VERSION, 8)
    await writeFile(out, edited)
    return { from: offset, to: offset + r.length }
  }
  throw new Error(`no data record of the ${dir} holds byte ${at}`)
}

async function opened(path: string): Promise<FileCapture> {
  const file = await FileCapture.open(path)
  cleanups.push(() => file.close())
  return file
}

/** The whole body, as sent. */
const whole = { decode: false, offset: 0, length: 16 * MiB }

describe('a body with a gap in it', () => {
  it('chunked (HTTP/1): a chunk longer than a read, and chunks past those listed, say the gap rather than read past it', async () => {
    const { engine, path, dir } = await engineIn()
    const big = randomPayload(3 * MiB)
    const small = Array.from({ length: MAX_CHUNK_RANGES + 3000 }, (_, i) => Buffer.from(String(i).padStart(200, '.')))
    const chunked = (chunks: Buffer[]): Buffer => Buffer.concat([...chunks.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')])
    const head = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
    const answer = Buffer.concat([head, chunked([big]), head, chunked(small)])
    const server = await startServer((s: Socket) => {
      s.once('data', () => s.end(answer))
    })
    cleanups.push(server.close)
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    cleanups.push(() => c.destroy())
    const got = collect(c)
    c.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\nGET /small HTTP/1.1\r\nHost: a\r\n\r\n')
    await waitFor(() => (engine.capture.connections()[0]?.bytes.server ?? 0) >= answer.length, 'the answer recorded')
    c.end()
    expect((await got).equals(answer)).toBe(true)
    const [conn] = await closedConnections(engine, 1)
    const [one, two] = (await engine['http.exchanges']({ capture: 'live', connId: conn.id })).exchanges.map((e) => e.response!)
    expect(one.body.chunks).toHaveLength(1)
    expect(two.body.chunksOmitted).toBe(3000)
    await engine.close()

    // Half a MiB into the big chunk: the read of its first MiB stops at the gap, and the next must not start past it.
    const chunk = one.body.chunks![0]
    const first = join(dir, 'big-gap.tcap')
    const gap = await withGapAt(path, first, conn.id, 'server', chunk.offset + MiB / 2)
    expect(gap.from > chunk.offset && gap.to < chunk.offset + MiB).toBe(true)
    let file = await opened(first)
    await expect(readBody(file, conn.id, one, whole)).rejects.toThrow(NotKeptError)
    await expect(readBody(file, conn.id, one, whole)).rejects.toThrow(`bytes ${gap.from}..${gap.to} of what the server sent were forwarded but not kept`)
    // What lies before the gap reads as it was sent.
    const before = await readBody(file, conn.id, one, { decode: false, offset: 0, length: 64 * 1024 })
    expect(Buffer.from(before.bytes).equals(big.subarray(0, 64 * 1024))).toBe(true)

    // Inside the chunks past those listed: their framing is read again from the wire.
    const last = two.body.chunks!.at(-1)!
    const unlistedFrom = last.offset + last.length
    const end = two.body.range.offset + two.body.range.length
    const second = join(dir, 'small-gap.tcap')
    const gap2 = await withGapAt(path, second, conn.id, 'server', Math.floor((unlistedFrom + end) / 2))
    expect(gap2.from > unlistedFrom && gap2.to < end).toBe(true)
    file = await opened(second)
    await expect(readBody(file, conn.id, two, whole)).rejects.toThrow(NotKeptError)
    const listed = await readBody(file, conn.id, two, { decode: false, offset: 0, length: 200 * MAX_CHUNK_RANGES })
    expect(Buffer.from(listed.bytes).equals(Buffer.concat(small.slice(0, MAX_CHUNK_RANGES)))).toBe(true)
  })

  it('HTTP/2: frames past those listed say the gap rather than end there', async () => {
    const { engine, path, dir } = await engineIn()
    const WRITES = MAX_H2_DATA_RANGES + 2000
    const body = randomPayload(WRITES * 1000)
    const server = http2.createServer()
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 })
      let i = 0
      // The next write once the last has gone out: each its own DATA frame.
      const next = (): void => {
        if (i === WRITES) return void stream.end()
        stream.write(body.subarray(i * 1000, ++i * 1000), next)
      }
      next()
    })
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    const session = http2.connect(`http://127.0.0.1:${portOf(proxy.listen)}`)
    cleanups.push(() => session.destroy())
    const req = session.request({ ':path': '/big' })
    req.end()
    const parts: Buffer[] = []
    req.on('data', (d: Buffer) => parts.push(d))
    await new Promise((r) => req.once('end', r))
    expect(Buffer.concat(parts).equals(body)).toBe(true)
    await new Promise<void>((r) => session.close(() => r()))
    const [conn] = await closedConnections(engine, 1)
    const [ex] = (await engine['http.exchanges']({ capture: 'live', connId: conn.id })).exchanges
    const msg = ex.response!
    expect(msg.body.unlisted).toBeDefined()
    await engine.close()

    const unlistedFrom = msg.body.unlisted!.offset
    const end = msg.body.range.offset + msg.body.range.length
    const edited = join(dir, 'h2-gap.tcap')
    const gap = await withGapAt(path, edited, conn.id, 'server', Math.floor((unlistedFrom + end) / 2))
    expect(gap.from > unlistedFrom && gap.to < end).toBe(true)
    const file = await opened(edited)
    await expect(readBody(file, conn.id, msg, whole)).rejects.toThrow(NotKeptError)
    await expect(readBody(file, conn.id, msg, whole)).rejects.toThrow(`bytes ${gap.from}..${gap.to} of what the server sent were forwarded but not kept`)
    // A window past the listed frames but before the gap reads as it was sent.
    const at = MAX_H2_DATA_RANGES * 1000 + 10
    const window = await readBody(file, conn.id, msg, { decode: false, offset: at, length: 5000 })
    expect(Buffer.from(window.bytes).equals(body.subarray(at, at + 5000))).toBe(true)
  })
})

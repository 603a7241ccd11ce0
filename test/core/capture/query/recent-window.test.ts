// keepRecent: the window a decoding run reads once for all its connections, and the next one
// read ahead while it is decoded, so a file's run after run never waits for a read it could
// have had already (readStats counts every byte the process reads from captures).
import { afterEach, describe, expect, it } from 'vitest'
import { statSync } from 'node:fs'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { readStats } from '../../../../src/core/capture/read/capture-reader'
import type { DecodeRecords } from '../../../../src/core/capture/query/decode-records'
import { proxiedPair, testEngine, type TestEngine } from '../../../helpers/engine'
import { closedConnections } from '../../../helpers/capture-checks'

let t: TestEngine | undefined
let file: FileCapture | undefined
afterEach(async () => {
  await file?.close()
  file = undefined
  await t?.dispose()
  t = undefined
})

/** A capture of a few hundred KiB, closed and opened as a file. */
async function smallFile(): Promise<{ capture: FileCapture; size: number }> {
  t = await testEngine()
  const pair = await proxiedPair(t.engine)
  for (let i = 0; i < 40; i++) {
    pair.client.write(Buffer.alloc(8 * 1024, i))
    pair.serverSide.write(Buffer.alloc(4 * 1024, i))
  }
  pair.client.end()
  pair.serverSide.end()
  await closedConnections(t.engine, 1)
  await pair.close()
  const path = t.capturePath
  await t.engine.close()
  file = await FileCapture.open(path)
  return { capture: file, size: statSync(path).size }
}

/** The spans the capture reads (windows, and spans read for records no window holds), as [start, end) pairs, in the order asked for. */
function spansRead(capture: FileCapture): [number, number][] {
  type Read = (start: number, end: number) => Promise<Buffer>
  const reader = (capture as unknown as { reader: { readWindow: Read; readSpan: Read } }).reader
  const spans: [number, number][] = []
  for (const name of ['readWindow', 'readSpan'] as const) {
    const read = reader[name].bind(reader)
    reader[name] = (start, end) => {
      spans.push([start, end])
      return read(start, end)
    }
  }
  return spans
}

/** The data records' bytes read, all told. */
function dataBytesOf(records: DecodeRecords): number {
  let n = 0
  for (let i = 0; i < records.count; i++) if (records.kind(i) === 'data') n += records.bytesLength(i)
  return n
}

describe('the window decoding reads, and the next one read ahead', () => {
  it('takes the next window from the read ahead, reading no byte twice', async () => {
    const { capture, size } = await smallFile()
    expect(size).toBeGreaterThan(300_000)
    const spans = spansRead(capture)
    const before = readStats.bytes
    await capture.keepRecent(0, 100_000, 250_000)
    expect(spans).toEqual([
      [0, 100_000],
      [100_000, 250_000]
    ])
    // The next window is the one read ahead: nothing more is read for it.
    await capture.keepRecent(100_000, 250_000)
    expect(spans).toHaveLength(2)
    expect(readStats.bytes - before).toBe(250_000)
    // Its bytes are the file's: the records decoding asks for are answered from it.
    const { records } = await capture.decodeRecords((await capture.listConnections())[0].id, 0, 1_000_000, { client: 0, server: 0 }, Infinity)
    const dataBytes = dataBytesOf(records)
    expect(dataBytes).toBe(40 * 12 * 1024)
  })

  it("gives a batch's payload a buffer of its own once it is large enough to be moved to a decode worker, and a small one from Node's pool", async () => {
    const { capture } = await smallFile()
    const [conn] = await capture.listConnections()
    const { payload: large } = await capture.decodeRecords(conn.id, 0, 8, { client: 0, server: 0 }, Infinity)
    expect(large.byteLength).toBeGreaterThan(4096)
    // Whole, so the feed moves it (feed-requests.ts) instead of copying it.
    expect([large.byteOffset, large.buffer.byteLength]).toEqual([0, large.byteLength])
    // A few bytes: a slice of a shared pool, no backing store of its own for the collector.
    // (The last 100 bytes of each direction, however TCP cut them into records.)
    const { payload: small } = await capture.decodeRecords(conn.id, 0, 1_000_000, { client: conn.bytes.client - 100, server: conn.bytes.server - 100 }, Infinity)
    expect(small.byteLength).toBe(200)
    expect(small.buffer.byteLength).toBeGreaterThan(small.byteLength)
  })

  it('reads a window asked for that is not the one read ahead, and drops the one that was', async () => {
    const { capture } = await smallFile()
    const spans = spansRead(capture)
    await capture.keepRecent(0, 100_000, 250_000)
    await capture.keepRecent(100_000, 200_000)
    // Without a window ahead, nothing is read meanwhile.
    await capture.keepRecent(200_000, 250_000)
    expect(spans).toEqual([
      [0, 100_000],
      [100_000, 250_000],
      [100_000, 200_000],
      [200_000, 250_000]
    ])
  })

  it('reads no window past the records: the stored index that follows them is not decoded', async () => {
    const { capture, size } = await smallFile()
    const spans = spansRead(capture)
    await capture.keepRecent(0, 100_000, size)
    await capture.keepRecent(100_000, size)
    expect(spans).toHaveLength(2)
    const [, [, end]] = spans
    // Every byte that went over the connection is in a record before it.
    expect(end).toBeLessThan(size)
    expect(end).toBeGreaterThan(40 * 12 * 1024)
  })

  it('keeps windows side by side until they are dropped, and reads none twice', async () => {
    const { capture, size } = await smallFile()
    const id = (await capture.listConnections())[0].id
    const spans = spansRead(capture)
    await Promise.all([capture.keepWindow(0, 100_000), capture.keepWindow(100_000, size)])
    await capture.keepWindow(100_000, size)
    expect(spans).toHaveLength(2)
    // Records from either window, and those that run on from one into the next, are answered from them.
    const { records } = await capture.decodeRecords(id, 0, 1_000_000, { client: 0, server: 0 }, Infinity)
    expect(dataBytesOf(records)).toBe(40 * 12 * 1024)
    expect(spans).toHaveLength(2)
    // Once the first is dropped, its records are read from the file again.
    capture.dropWindows(100_000)
    await capture.decodeRecords(id, 0, 10, { client: 0, server: 0 }, Infinity)
    expect(spans.length).toBeGreaterThan(2)
    expect(spans[2][0]).toBeLessThan(100_000)
  })
})

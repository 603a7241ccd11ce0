// A stored index written before connections had a replay source (13 string references per
// row) or a TLS summary (14, not 15) is still read from the index, not rebuilt: its rows
// simply have neither. The old layout is made here from a file saved now, by dropping the
// last references of every row and writing the index records and trailer again.
import { afterEach, describe, expect, it } from 'vitest'
import { open, readFile, writeFile } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import { join } from 'node:path'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { DIR_NONE, FILE_HEADER_SIZE, RECORD_HEADER_SIZE, RecordType, writeRecordHeader } from '../../../../src/core/capture/format/capture-format'
import { BLOCK_SIZE, encodeTrailer, HEADER_SIZE, PART_SIZE, S_COUNT, S_COUNT_BEFORE_REPLAY_OF, S_COUNT_BEFORE_TLS, SECTIONS } from '../../../../src/core/capture/format/index-codec'
import { readTrailer, StoredIndex } from '../../../../src/core/capture/read/stored-index'
import { closedConnections } from '../../../helpers/capture-checks'
import { TYPE, walkRecords } from '../../../helpers/capture-file'
import { nodeRequest, recorderBehindProxy } from '../../replay/http-replay-peers'

const setup = recorderBehindProxy()
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

function record(type: RecordType, payload: Buffer, payloadCrc?: number): Buffer {
  const b = Buffer.alloc(RECORD_HEADER_SIZE + payload.length)
  writeRecordHeader(b, new DataView(b.buffer, b.byteOffset, b.length), 0, type, DIR_NONE, 0, 0, payload.length, Date.now(), 0, payloadCrc)
  payload.copy(b, RECORD_HEADER_SIZE)
  return b
}

/** The file with its stored index in the layout of `refsPerRow` references per row. */
function withOldIndex(file: Buffer, refsPerRow: number): Buffer {
  const parts = walkRecords(file).filter((r) => r.type === TYPE.Index)
  const stream = Buffer.concat(parts.map((r) => file.subarray(r.start + RECORD_HEADER_SIZE, r.end)))
  const rows = stream.readUInt32LE(8)
  const section = (i: number): Buffer => stream.subarray(stream.readDoubleLE(16 + i * 16), stream.readDoubleLE(16 + i * 16) + stream.readDoubleLE(24 + i * 16))
  const sections = SECTIONS.map((_, i) => Buffer.from(section(i)))
  const strings = SECTIONS.indexOf('strings')
  const refs = sections[strings]
  const old = Buffer.alloc(rows * refsPerRow * 4)
  for (let row = 0; row < rows; row++) refs.copy(old, row * refsPerRow * 4, row * S_COUNT * 4, row * S_COUNT * 4 + refsPerRow * 4)
  sections[strings] = old
  const header = Buffer.from(stream.subarray(0, HEADER_SIZE))
  let offset = HEADER_SIZE
  const placed = sections.map((s, i) => {
    header.writeDoubleLE(offset, 16 + i * 16)
    header.writeDoubleLE(s.length, 24 + i * 16)
    const at = offset
    offset = Math.ceil((offset + s.length) / 8) * 8
    return at
  })
  const blocks = Math.ceil(offset / BLOCK_SIZE)
  const out = Buffer.alloc(offset + blocks * 4)
  header.copy(out, 0)
  sections.forEach((s, i) => s.copy(out, placed[i]))
  for (let b = 0; b < blocks; b++) out.writeUInt32LE(crc32(out.subarray(b * BLOCK_SIZE, Math.min((b + 1) * BLOCK_SIZE, offset))), offset + b * 4)
  const firstPart = parts[0].start
  const indexRecords: Buffer[] = []
  for (let at = 0; at < out.length; at += PART_SIZE) indexRecords.push(record(RecordType.Index, out.subarray(at, Math.min(out.length, at + PART_SIZE))))
  const trailer = encodeTrailer({ streamLength: out.length, firstPart, partSize: PART_SIZE, blockSize: BLOCK_SIZE, crcTableOffset: offset, crcTableCrc: crc32(out.subarray(offset)) })
  return Buffer.concat([file.subarray(0, firstPart), ...indexRecords, record(RecordType.Trailer, trailer, crc32(trailer))])
}

describe.each([
  ['replay sources', S_COUNT_BEFORE_REPLAY_OF],
  ['TLS summaries', S_COUNT_BEFORE_TLS]
])('a stored index from before %s', (_, refsPerRow) => {
  it('is read as it is, its connections without them', async () => {
    const { t, listen } = await setup()
    await nodeRequest(listen, '/old')
    const [conn] = await closedConnections(t.engine, 1)
    const saved = join(t.dir, 'now.tcap')
    await t.engine['capture.save']({ path: saved })
    const current = await FileCapture.open(saved)
    closers.push(() => current.close())
    const oldPath = join(t.dir, 'old.tcap')
    await writeFile(oldPath, withOldIndex(await readFile(saved), refsPerRow))
    // Read from the stored index, not rebuilt from the records.
    const handle = await open(oldPath, 'r')
    closers.push(() => handle.close())
    const trailer = await readTrailer(handle.fd, (await handle.stat()).size, FILE_HEADER_SIZE)
    expect(trailer).toBeDefined()
    const stored = await StoredIndex.open(handle.fd, trailer!)
    await stored.loadAll()
    expect(stored.summary(0)).toEqual((await current.listConnections())[0])
    const old = await FileCapture.open(oldPath)
    closers.push(() => old.close())
    expect(old.info().indexProblem).toBeUndefined()
    const [row] = await old.listConnections()
    expect(row).toEqual((await current.listConnections())[0])
    expect(row).toMatchObject({ id: conn.id, ownerId: expect.stringMatching(/./) as string })
    expect(row.replayOf).toBeUndefined()
    expect(row.tls).toBeUndefined()
    expect((await old.readBytes(conn.id, 'client', 0, row.bytes.client)).toString()).toMatch(/^GET \/old HTTP\/1\.1\r\n/)
  })
})

// A capture file's stored index edited by hand, its CRCs made again, as a tampered file would
// be: it passes every check of the index, so a test sees what a reader makes of its contents.
import { crc32 } from 'node:zlib'
import { BLOCK_SIZE, encodeTrailer, PART_SIZE, SECTIONS, type SectionName } from '../../src/core/capture/format/index-codec'
import { DIR_NONE, RECORD_HEADER_SIZE, RecordType, writeRecordHeader } from '../../src/core/capture/format/capture-format'
import { TYPE, walkRecords } from './capture-file'

function record(type: RecordType, payload: Buffer, payloadCrc?: number): Buffer {
  const b = Buffer.alloc(RECORD_HEADER_SIZE + payload.length)
  writeRecordHeader(b, new DataView(b.buffer, b.byteOffset, b.length), 0, type, DIR_NONE, 0, 0, payload.length, Date.now(), 0, payloadCrc)
  payload.copy(b, RECORD_HEADER_SIZE)
  return b
}

/** The file with one section of its stored index changed in place by `edit` (its length kept). */
export function withIndexSectionEdited(file: Buffer, section: SectionName, edit: (bytes: Buffer) => void): Buffer {
  const parts = walkRecords(file).filter((r) => r.type === TYPE.Index)
  const stream = Buffer.concat(parts.map((r) => file.subarray(r.start + RECORD_HEADER_SIZE, r.end)))
  const at = (i: number): { offset: number; length: number } => ({ offset: stream.readDoubleLE(16 + i * 16), length: stream.readDoubleLE(24 + i * 16) })
  const edited = at(SECTIONS.indexOf(section))
  edit(stream.subarray(edited.offset, edited.offset + edited.length))
  // The CRC table follows the last section, 8-aligned.
  const crcTable = Math.max(...SECTIONS.map((_, i) => Math.ceil((at(i).offset + at(i).length) / 8) * 8))
  const blocks = Math.ceil(crcTable / BLOCK_SIZE)
  for (let b = 0; b < blocks; b++) stream.writeUInt32LE(crc32(stream.subarray(b * BLOCK_SIZE, Math.min((b + 1) * BLOCK_SIZE, crcTable))), crcTable + b * 4)
  const firstPart = parts[0].start
  const indexRecords: Buffer[] = []
  for (let p = 0; p < stream.length; p += PART_SIZE) indexRecords.push(record(RecordType.Index, stream.subarray(p, Math.min(stream.length, p + PART_SIZE))))
  const trailer = encodeTrailer({ streamLength: stream.length, firstPart, partSize: PART_SIZE, blockSize: BLOCK_SIZE, crcTableOffset: crcTable, crcTableCrc: crc32(stream.subarray(crcTable)) })
  return Buffer.concat([file.subarray(0, firstPart), ...indexRecords, record(RecordType.Trailer, trailer, crc32(trailer))])
}

// Reads the splice prototype's capture file (format in splice.c) back, so the bench can
// check what was recorded byte for byte: per connection and direction, the payload's
// length, its SHA-256, its FIN or reset, and optionally the bench pattern's check.
import { createHash } from 'node:crypto'
import { closeSync, openSync, readSync } from 'node:fs'
import { StreamChecker } from '../lib/pattern.mjs'

const MAGIC = 'SPLCAP01'
const HEADER = 24
const KINDS = { 1: 'data', 2: 'fin', 3: 'reset' }

/**
 * `checkClientPattern`: each connection's client -> server stream must be the bench pattern
 * (what bulk clients send). Throws on a malformed file.
 */
export function readSpliceCapture(path, { checkClientPattern = false } = {}) {
  const fd = openSync(path, 'r')
  const streams = new Map() // `${id}/${dir}` -> stream
  const totals = { client: 0, server: 0, records: 0, dataRecords: 0, fins: 0, resets: 0 }
  const stream = (id, dir) => {
    const key = `${id}/${dir}`
    let s = streams.get(key)
    if (!s) streams.set(key, (s = { id, dir, bytes: 0, hash: createHash('sha256'), fin: false, reset: false, checker: dir === 0 && checkClientPattern ? new StreamChecker() : undefined }))
    return s
  }
  try {
    const buf = Buffer.allocUnsafe(8 << 20)
    const head = Buffer.alloc(HEADER)
    let headFill = 0
    let payloadLeft = 0
    let current
    let pos = 0
    let started = false
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos)
      if (n === 0) break
      pos += n
      let i = 0
      if (!started) {
        if (n < 8 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error(`${path}: not a splice capture (no ${MAGIC})`)
        started = true
        i = 8
      }
      while (i < n) {
        if (payloadLeft > 0) {
          const take = Math.min(payloadLeft, n - i)
          const part = buf.subarray(i, i + take)
          current.hash.update(part)
          current.checker?.check(part)
          payloadLeft -= take
          i += take
          continue
        }
        const take = Math.min(HEADER - headFill, n - i)
        buf.copy(head, headFill, i, i + take)
        headFill += take
        i += take
        if (headFill < HEADER) break
        headFill = 0
        const kind = KINDS[head[0]]
        const dir = head[1]
        if (!kind || dir > 1) throw new Error(`${path}: bad record header at byte ${pos - n + i - HEADER}`)
        const id = head.readUInt32LE(4)
        const len = head.readUInt32LE(8)
        const s = stream(id, dir)
        totals.records++
        if (kind === 'data') {
          totals.dataRecords++
          s.bytes += len
          totals[dir === 0 ? 'client' : 'server'] += len
          payloadLeft = len
          current = s
        } else if (kind === 'fin') {
          totals.fins++
          s.fin = true
        } else {
          totals.resets++
          s.reset = true
        }
      }
    }
    if (!started) throw new Error(`${path}: empty`)
    if (payloadLeft > 0 || headFill > 0) throw new Error(`${path}: the last record is cut short`)
  } finally {
    closeSync(fd)
  }
  const connections = new Map()
  for (const s of streams.values()) {
    let c = connections.get(s.id)
    if (!c) connections.set(s.id, (c = {}))
    c[s.dir === 0 ? 'client' : 'server'] = { bytes: s.bytes, sha256: s.hash.digest('hex'), fin: s.fin, reset: s.reset, patternBad: s.checker?.bad ?? 0 }
  }
  return { totals, connections }
}

// The connection decoder alone, in memory: fed in capture order through DecoderSet.feed (what
// the decode worker runs: every push of a batch, then takeChanges, wantFrom and summary), so
// the figures are the decoding's own, with no file reads, no worker hop and no table.
import { performance } from 'node:perf_hooks'
import { LAST_CHUNK, chunkRun, chunkedHead, downloadHead, downloadRequest, exchange } from './http-traffic.mjs'

/** What CaptureDecoding's batches hold at most (src/core/decode/decode-feed.ts). */
export const FILE_BATCH = { records: 1024, bytes: 256 * 1024 }

/**
 * Records (request, answer, request, ...) of `connections` keep-alive connections carrying
 * `exchanges` exchanges in all, connection k carrying k, k + connections, ... as the recorded
 * capture does, packed into batches of at most `batch.records` records / `batch.bytes` bytes.
 */
export function keepAliveBatches(exchanges, connections, batch) {
  const conns = []
  for (let k = 0; k < connections; k++) {
    const records = []
    for (let i = k; i < exchanges; i += connections) {
      const e = exchange(i)
      records.push({ dir: 'client', bytes: e.request }, { dir: 'server', bytes: e.response })
    }
    conns.push(pack(records, batch))
  }
  return conns
}

/** Packs records into feed batches {ops, bytes}, as decode-feed.ts's readBatch does, stream offsets counted per direction. */
export function pack(records, batch) {
  const out = []
  const offset = { client: 0, server: 0 }
  let ops = []
  let parts = []
  let size = 0
  const flush = () => {
    if (ops.length === 0) return
    out.push({ ops, bytes: new Uint8Array(Buffer.concat(parts, size)) })
    ops = []
    parts = []
    size = 0
  }
  let time = 1_790_000_000_000
  for (const r of records) {
    if (r.end) {
      ops.push({ dir: r.dir, at: 0, len: -1, offset: 0, time })
      continue
    }
    ops.push({ dir: r.dir, at: size, len: r.bytes.length, offset: offset[r.dir], time: (time += 0.05) })
    parts.push(r.bytes)
    size += r.bytes.length
    offset[r.dir] += r.bytes.length
    if (ops.length >= batch.records || size >= batch.bytes) flush()
  }
  flush()
  return out
}

/**
 * Feeds every connection's batches to a fresh DecoderSet, each feed's exchanges written to a
 * batch of columns as the decode worker writes them; returns ms and the exchanges it reported final.
 */
export function feedAll({ DecoderSet, ExchangeBatch, ExchangeBatchWriter, FeedOps }, conns) {
  // Each batch's ops in columns as the engine sends them (feed-ops.ts), made once, untimed.
  for (const c of conns) {
    for (const b of c) {
      if (b.feedOps) continue
      b.feedOps = new FeedOps()
      for (const o of b.ops) b.feedOps.push(o.dir, o.at, o.len, o.offset, o.time)
    }
  }
  const set = new DecoderSet()
  let exchanges = 0
  let problems = 0
  const t0 = performance.now()
  for (let key = 0; key < conns.length; key++) {
    for (const b of conns[key]) {
      const out = new ExchangeBatchWriter()
      const r = set.feed(key + 1, b.feedOps, b.bytes, undefined, out)
      const batch = new ExchangeBatch(out.pack())
      for (let i = r.from; i < r.to; i++) if (batch.state(i) !== 'pending') exchanges++
      problems += r.problems.length
    }
    set.drop(key + 1)
  }
  return { ms: performance.now() - t0, exchanges, problems }
}

/** One connection: a GET, then a chunked answer of about `body` bytes in chunks of `size`, pushed as reads of about `read` bytes. */
export function chunkedBatches(body, size, read = 64 * 1024) {
  const run = chunkRun(size, read)
  const runs = Math.max(1, Math.ceil(body / run.body))
  const records = [{ dir: 'client', bytes: downloadRequest('/download/chunked') }, { dir: 'server', bytes: chunkedHead() }]
  for (let i = 0; i < runs; i++) records.push({ dir: 'server', bytes: run.bytes })
  records.push({ dir: 'server', bytes: LAST_CHUNK })
  return { conns: [pack(records, FILE_BATCH)], body: runs * run.body, wire: runs * run.bytes.length, chunks: runs * run.chunks }
}

/**
 * A `length`-byte Content-Length download as the engine meets it: the request, the answer's
 * head (with the first read of the body behind it, as a socket delivers it), then only what
 * wantFrom asks for. Returns how much of the body the decoder wanted pushed.
 */
export function skipDownload(createConnectionDecoder, length, firstRead = 64 * 1024) {
  const t0 = performance.now()
  const d = createConnectionDecoder({})
  const req = downloadRequest(`/download/cl/${length}`)
  d.push('client', req, 0, 1)
  const head = downloadHead(length)
  const first = new Uint8Array(head.length + firstRead)
  first.set(head, 0)
  d.push('server', first, 0, 2)
  const want = d.wantFrom('server')
  const total = head.length + length
  let pushed = first.length
  // A decoder that does not skip gets the body it asks for, a read at a time.
  const piece = new Uint8Array(1024 * 1024)
  for (let at = Math.max(want, pushed); at < total && d.wantFrom('server') <= at; at += piece.length) {
    const n = Math.min(piece.length, total - at)
    d.push('server', piece.subarray(0, n), at, 3)
    pushed += n
  }
  d.end('client', 4)
  d.end('server', 4)
  const changes = d.takeChanges()
  const ms = performance.now() - t0
  const ex = changes.exchanges[0]
  return { ms, want, pushed, total, state: ex?.state, status: ex?.response?.status, problems: changes.problems.length }
}

// Undoes a body's Content-Encoding (RFC 9110 8.4) with node:zlib, streamed and bounded: the
// content arrives piece by piece from an async source, every coding is undone in reverse
// order of application, and the decoded output goes to a taker a piece at a time. Decoding
// stops once the taker has enough, once the output passes the body limit, or once it has
// expanded past ratioMax to 1 after ratioFloor bytes (a decompression bomb). zlib's streams
// work under backpressure (a 1 MiB input piece is inflated a chunk at a time, as the sink
// takes them), so what is inflated past a stop is a chunk or two, never the body.
// A corrupt or truncated coding is a problem at its offset, never an exception: what
// decoded before it is kept.

import { Readable, Transform, Writable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import type { BodyCut } from '../../../shared/body-cut'
import { BODY_RATIO_FLOOR, BODY_RATIO_MAX, DEFAULT_BODY_LIMIT } from '../../../shared/limits'

export interface BodyBounds {
  /** Decoded bytes given at most; past them the body is cut. */
  limit: number
  /** Past this many decoded bytes, an output more than ratioMax times the input taken in stops decoding. */
  ratioFloor: number
  ratioMax: number
}

/** The bounds every view and export uses unless told another limit. */
export function bodyBounds(limit = DEFAULT_BODY_LIMIT): BodyBounds {
  return { limit, ratioFloor: BODY_RATIO_FLOOR, ratioMax: BODY_RATIO_MAX }
}

/** Takes one piece of decoded output; `false`: it has enough, decoding stops. */
export type Take = (piece: Uint8Array) => boolean | void | Promise<boolean | void>

export interface CodingOutcome {
  /** The codings undone, in Content-Encoding order (outermost last). */
  codings: string[]
  /** Decoded bytes given to the taker (at most the limit). */
  given: number
  /** Decoding reached the end of the body: every byte of it was given. */
  end: boolean
  /** Why decoding stopped before the end: the taker had enough, or the body was cut. */
  stop?: 'taken' | 'limit' | 'ratio'
  /** The limit or ratio cut the body: what was given is its start. */
  cut?: BodyCut
  /** A coding that could not be undone; `offset` is where the decoded output stops because of it. */
  problem?: { message: string; offset: number }
}

export interface DecodeOptions {
  bounds?: BodyBounds
  /** The content's size as sent, for what a cut says. */
  sentSize?: number
  signal?: AbortSignal
}

type Decoder = Transform & { bytesWritten?: number }

/** zlib's output piece: larger than its 16 KiB default, for fewer hand-offs on big bodies. */
const CHUNK = 64 * 1024

/** zstd needs a Node whose zlib has it (22.15 and later); Node 20 does not. */
const createZstd = (zlib as unknown as { createZstdDecompress?: (o: zlib.ZlibOptions) => Decoder }).createZstdDecompress

/** The decompressor for one coding, or undefined when the runtime has none. */
function decoderFor(coding: string): (() => Decoder) | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return () => zlib.createGunzip({ chunkSize: CHUNK })
    case 'deflate':
      return () => new SniffedInflate()
    case 'br':
      return () => zlib.createBrotliDecompress({ chunkSize: CHUNK })
    case 'zstd':
      return createZstd ? () => createZstd({ chunkSize: CHUNK }) : undefined
    default:
      return undefined
  }
}

/**
 * `deflate` should be zlib-wrapped (RFC 9110 8.4.1.2), but servers have long sent raw
 * DEFLATE too; the first two bytes tell which (a zlib header is CM=8 and a multiple of 31).
 */
class SniffedInflate extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined
  private head: Buffer = Buffer.alloc(0)

  /** Input the inflater has taken in, as zlib's own streams count it (for the ratio). */
  get bytesWritten(): number {
    return this.inner?.bytesWritten ?? 0
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.inner) {
      this.head = Buffer.concat([this.head, chunk])
      if (this.head.length < 2) return done()
      this.start()
      chunk = this.head
    }
    // The inner inflater's own backpressure holds the next input until this one is read.
    if (this.inner!.write(chunk)) done()
    else this.inner!.once('drain', () => done())
  }

  override _flush(done: TransformCallback): void {
    if (!this.inner) {
      this.start()
      if (this.head.length > 0) this.inner!.write(this.head)
    }
    this.inner!.once('end', () => done())
    this.inner!.end()
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    this.inner?.destroy()
    done(err)
  }

  private start(): void {
    const h = this.head
    const zlibWrapped = h.length >= 2 && (h[0] & 0x0f) === 8 && ((h[0] << 8) | h[1]) % 31 === 0
    const inner = zlibWrapped ? zlib.createInflate({ chunkSize: CHUNK }) : zlib.createInflateRaw({ chunkSize: CHUNK })
    inner.on('data', (d: Buffer) => {
      if (!this.push(d)) inner.pause()
    })
    inner.on('error', (err) => this.destroy(err))
    this.inner = inner
  }

  override _read(size: number): void {
    this.inner?.resume()
    super._read(size)
  }
}

/** The sink's way to stop the pipeline, and why. */
class Stop extends Error {
  constructor(readonly why: 'taken' | 'limit' | 'ratio') {
    super(`decoding stopped (${why})`)
  }
}

const describe = (coding: string, err: Error, input: number): string => {
  const truncated = /unexpected end of file/i.test(err.message)
  return truncated ? `${coding} data ends early (truncated after ${input} bytes of it)` : `${coding} data is corrupt near byte ${input} of it: ${err.message}`
}

/** The content codings as listed (trimmed, lower-cased), identity left out. */
export const normalCodings = (codings: readonly string[]): string[] => codings.map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity')

/**
 * Decodes `source` (a body's content, chunk framing removed) through `codings` (as
 * Content-Encoding lists them, first applied first), giving the output to `take` until it
 * has enough, the body ends, or the bounds cut it. Throws only when the source or the taker
 * fails, or `signal` aborts.
 */
export async function undoCodings(codings: readonly string[], source: AsyncIterable<Uint8Array>, take: Take, opts: DecodeOptions = {}): Promise<CodingOutcome> {
  const bounds = opts.bounds ?? bodyBounds()
  const wanted = normalCodings(codings)
  // Undo from the outermost (last applied) in; stop at the first coding the runtime cannot undo.
  const steps: Array<{ coding: string; stream: Decoder }> = []
  let unsupported: string | undefined
  for (let k = wanted.length - 1; k >= 0; k--) {
    const make = decoderFor(wanted[k])
    if (!make) {
      unsupported = wanted[k]
      break
    }
    steps.push({ coding: wanted[k], stream: make() })
  }
  if (steps.length === 0) return passThrough(wanted, unsupported, source, take, bounds, opts)
  let failed: { coding: string; err: Error; input: number } | undefined
  for (const d of steps) {
    d.stream.once('error', (err: Error) => {
      failed ??= { coding: d.coding, err, input: d.stream.bytesWritten ?? 0 }
    })
  }
  const outer = steps[0].stream
  let decoded = 0
  let given = 0
  const consumed = (): number => outer.bytesWritten ?? 0
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      decoded += chunk.length
      const room = bounds.limit - given
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk
      const next = (more: boolean | void): void => {
        if (more === false) return done(new Stop('taken'))
        if (chunk.length > room) return done(new Stop('limit'))
        if (decoded > bounds.ratioFloor && decoded > bounds.ratioMax * consumed()) return done(new Stop('ratio'))
        done()
      }
      if (piece.length === 0) return next(undefined)
      given += piece.length
      let r: ReturnType<Take>
      try {
        r = take(piece)
      } catch (err) {
        return done(err as Error)
      }
      if (r instanceof Promise) r.then(next, (err: Error) => done(err))
      else next(r)
    }
  })
  let stop: Stop['why'] | undefined
  try {
    await pipeline([Readable.from(source, { objectMode: false }), ...steps.map((d) => d.stream), sink], opts.signal ? { signal: opts.signal } : {})
  } catch (err) {
    if (opts.signal?.aborted) throw err
    if (err instanceof Stop) stop = err.why
    // A decoder's own error is the coding's problem; anything else (the source or the taker failed) is the caller's.
    else if (!failed || err !== failed.err) throw err
  }
  const done = steps.map((s) => s.coding).reverse()
  if (stop === 'taken') return { codings: done, given, end: false, stop }
  if (stop !== undefined) {
    return { codings: done, given, end: false, stop, cut: cutOf(stop, given, decoded, consumed(), wanted, bounds, opts) }
  }
  const problem = failed
    ? { message: describe(failed.coding, failed.err, failed.input), offset: given }
    : unsupported
      ? unsupportedProblem(unsupported)
      : undefined
  return { codings: done, given, end: !failed, ...(problem ? { problem } : {}) }
}

/** What a cut says: `kept` of `decoded` bytes given, from `consumed` bytes of the coded input. */
const cutOf = (reason: BodyCut['reason'], kept: number, decoded: number, consumed: number, codings: string[], bounds: BodyBounds, opts: DecodeOptions): BodyCut => ({
  reason,
  kept,
  decoded,
  limit: bounds.limit,
  consumed,
  codings,
  ...(opts.sentSize !== undefined ? { sentSize: opts.sentSize } : {})
})

const unsupportedProblem = (coding: string): { message: string; offset: number } => ({
  message: `the ${coding} content coding cannot be undone${coding === 'zstd' ? ' by this runtime (its zlib has no zstd)' : ''}`,
  offset: 0
})

/**
 * No coding to undo: the content as it is, within the limit, without a stream pipeline.
 * A pipeline costs an AbortController and an AbortError per body, which was most of what
 * replay's comparison added to a repeat of 5,000 requests.
 */
async function passThrough(
  wanted: string[],
  unsupported: string | undefined,
  source: AsyncIterable<Uint8Array>,
  take: Take,
  bounds: BodyBounds,
  opts: DecodeOptions
): Promise<CodingOutcome> {
  let given = 0
  let decoded = 0
  for await (const chunk of source) {
    opts.signal?.throwIfAborted()
    decoded += chunk.length
    const room = bounds.limit - given
    const piece = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (piece.length > 0) {
      given += piece.length
      const r = take(piece)
      if ((r instanceof Promise ? await r : r) === false) return { codings: [], given, end: false, stop: 'taken' }
    }
    if (chunk.length > room) {
      return { codings: [], given, end: false, stop: 'limit', cut: cutOf('limit', given, decoded, decoded, wanted, bounds, opts) }
    }
  }
  return { codings: [], given, end: true, ...(unsupported !== undefined ? { problem: unsupportedProblem(unsupported) } : {}) }
}

export interface DecodedContent {
  /** The decoded output's bytes in the window asked for (fewer when the body ends or is cut first). */
  bytes: Uint8Array
  /** The decoded length, when decoding reached the end of the body. */
  total?: number
  /** `bytes` reaches the end of the decoded body. */
  end: boolean
  /** The codings undone, in Content-Encoding order (outermost last). */
  decoded: string[]
  /** A coding that could not be undone; `offset` is where the decoded output stops because of it. */
  problem?: { message: string; offset: number }
  /** The body was cut at `cut.kept` by the bounds: a window past it is empty. */
  cut?: BodyCut
}

/**
 * [offset, offset + length) of `source` decoded through `codings`, within the bounds:
 * decoding stops once the window is filled (and one byte past it, to tell whether the body
 * ends there), so only the window is held.
 */
export async function decodeContent(
  codings: readonly string[],
  source: AsyncIterable<Uint8Array>,
  window: { offset: number; length: number },
  signal?: AbortSignal,
  opts: Omit<DecodeOptions, 'signal'> = {}
): Promise<DecodedContent> {
  const from = Math.max(0, window.offset)
  const until = from + Math.max(0, window.length)
  const kept: Uint8Array[] = []
  let produced = 0
  const take = (piece: Uint8Array): boolean => {
    const start = produced
    produced += piece.length
    const a = Math.max(from, start)
    const b = Math.min(until, produced)
    if (b > a) kept.push(piece.subarray(a - start, b - start))
    // One byte past the window says the body goes on.
    return produced <= until
  }
  const r = await undoCodings(codings, source, take, { ...opts, ...(signal ? { signal } : {}) })
  const bytes = new Uint8Array(Buffer.concat(kept))
  const out: DecodedContent = { bytes, end: r.end, decoded: r.codings }
  if (r.end) out.total = r.given
  if (r.problem) out.problem = r.problem
  if (r.cut) out.cut = r.cut
  return out
}

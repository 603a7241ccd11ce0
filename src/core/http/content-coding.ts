// Undoes a body's Content-Encoding (RFC 9110 8.4) with node:zlib, streamed: the content
// arrives piece by piece from an async source, every coding is undone in reverse order of
// application, and only the asked window of the decoded output is kept; decoding stops as
// soon as the window is filled (and one byte past it, to tell whether the body ends there).
// A corrupt or truncated coding is a problem at its offset, never an exception: what
// decoded before it is kept.

import { Readable, Transform, Writable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'

export interface DecodedContent {
  /** The decoded output's bytes in the window asked for (fewer when the body ends first). */
  bytes: Uint8Array
  /** The decoded length, when decoding reached the end of the body. */
  total?: number
  /** `bytes` reaches the end of the decoded body. */
  end: boolean
  /** The codings undone, in Content-Encoding order (outermost last). */
  decoded: string[]
  /** A coding that could not be undone; `offset` is where the decoded output stops because of it. */
  problem?: { message: string; offset: number }
}

type Decoder = Transform & { bytesWritten?: number }

/** zstd needs a Node whose zlib has it (22.15 and later); Node 20 does not. */
const createZstd = (zlib as unknown as { createZstdDecompress?: () => Decoder }).createZstdDecompress

/** The decompressor for one coding, or undefined when the runtime has none. */
function decoderFor(coding: string): (() => Decoder) | undefined {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return () => zlib.createGunzip()
    case 'deflate':
      return () => new SniffedInflate()
    case 'br':
      return () => zlib.createBrotliDecompress()
    case 'zstd':
      return createZstd ? () => createZstd() : undefined
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
  bytesWritten = 0

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytesWritten += chunk.length
    if (!this.inner) {
      this.head = Buffer.concat([this.head, chunk])
      if (this.head.length < 2) return done()
      this.start()
      chunk = this.head
    }
    this.inner!.write(chunk, () => done())
  }

  override _flush(done: TransformCallback): void {
    if (!this.inner) {
      this.start()
      if (this.head.length > 0) this.inner!.write(this.head)
    }
    this.inner!.once('end', () => done())
    this.inner!.end()
  }

  private start(): void {
    const h = this.head
    const zlibWrapped = h.length >= 2 && (h[0] & 0x0f) === 8 && ((h[0] << 8) | h[1]) % 31 === 0
    const inner = zlibWrapped ? zlib.createInflate() : zlib.createInflateRaw()
    inner.on('data', (d: Buffer) => this.push(d))
    inner.on('error', (err) => this.destroy(err))
    this.inner = inner
  }
}

/** The sink's way to stop the pipeline once the window is filled. */
class WindowFilled extends Error {}

const describe = (coding: string, err: Error, input: number): string => {
  const truncated = /unexpected end of file/i.test(err.message)
  return truncated ? `${coding} data ends early (truncated after ${input} bytes of it)` : `${coding} data is corrupt near byte ${input} of it: ${err.message}`
}

/**
 * Decodes `source` (a body's content, chunk framing removed) through `codings` (as
 * Content-Encoding lists them, first applied first) and returns [offset, offset + length)
 * of the result. Throws only when the source itself fails or `signal` aborts.
 */
export async function decodeContent(
  codings: readonly string[],
  source: AsyncIterable<Uint8Array>,
  window: { offset: number; length: number },
  signal?: AbortSignal
): Promise<DecodedContent> {
  const wanted = codings.map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity')
  // Undo from the outermost (last applied) in; stop at the first coding the runtime cannot undo.
  const steps: Array<{ coding: string; make: () => Decoder }> = []
  let unsupported: string | undefined
  for (let k = wanted.length - 1; k >= 0; k--) {
    const make = decoderFor(wanted[k])
    if (!make) {
      unsupported = wanted[k]
      break
    }
    steps.push({ coding: wanted[k], make })
  }
  const from = Math.max(0, window.offset)
  const until = from + Math.max(0, window.length)
  const kept: Buffer[] = []
  let produced = 0
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const start = produced
      produced += chunk.length
      const a = Math.max(from, start)
      const b = Math.min(until, produced)
      if (b > a) kept.push(chunk.subarray(a - start, b - start))
      // One byte past the window says the body goes on.
      done(produced > until ? new WindowFilled() : undefined)
    }
  })
  const decoders = steps.map((s) => ({ ...s, stream: s.make() }))
  let failed: { coding: string; err: Error; input: number } | undefined
  for (const d of decoders) {
    d.stream.once('error', (err: Error) => {
      failed ??= { coding: d.coding, err, input: d.stream.bytesWritten ?? 0 }
    })
  }
  let filled = false
  try {
    await pipeline([Readable.from(source, { objectMode: false }), ...decoders.map((d) => d.stream), sink], signal ? { signal } : {})
  } catch (err) {
    if (signal?.aborted) throw err
    if (err instanceof WindowFilled) filled = true
    // A decoder's own error is the coding's problem; anything else (the source failed, an abort) is the caller's.
    else if (!failed || err !== failed.err) throw err
  }
  const bytes = new Uint8Array(Buffer.concat(kept))
  const decoded = steps.map((s) => s.coding).reverse()
  if (filled) return { bytes, end: false, decoded }
  const problem = failed
    ? { message: describe(failed.coding, failed.err, failed.input), offset: produced }
    : unsupported
      ? { message: `the ${unsupported} content coding cannot be undone${unsupported === 'zstd' ? ' by this runtime (its zlib has no zstd)' : ''}`, offset: 0 }
      : undefined
  return { bytes, ...(problem && failed ? {} : { total: produced }), end: !failed, decoded, ...(problem ? { problem } : {}) }
}

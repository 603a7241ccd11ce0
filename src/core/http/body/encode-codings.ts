// A body's content codings done again after a rule changed its content: gzip, deflate, br
// and (where this Node's zlib has it, 22.15 and later) zstd, innermost first as
// Content-Encoding lists them. What cannot be done again is said, and the body goes without
// that coding (the caller drops the header), rather than sent mislabelled.

import { promisify } from 'node:util'
import * as zlib from 'node:zlib'

type Encode = (bytes: Uint8Array) => Promise<Buffer>

const zstd = (zlib as unknown as { zstdCompress?: (b: Uint8Array, cb: (e: Error | null, r: Buffer) => void) => void }).zstdCompress

const ENCODERS: Record<string, Encode | undefined> = {
  gzip: promisify(zlib.gzip),
  'x-gzip': promisify(zlib.gzip),
  deflate: promisify(zlib.deflate),
  br: promisify(zlib.brotliCompress),
  zstd: zstd === undefined ? undefined : promisify(zstd)
}

/** The content encoded with `codings` (in Content-Encoding order), or the first coding this Node cannot do. */
export async function encodeCodings(content: Uint8Array, codings: readonly string[]): Promise<{ bytes: Uint8Array } | { cannot: string }> {
  let bytes = content
  for (const c of codings) {
    const encode = ENCODERS[c]
    if (encode === undefined) return { cannot: c }
    bytes = await encode(bytes)
  }
  return { bytes }
}

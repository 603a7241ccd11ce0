// The chunked transfer coding (RFC 9112 7.1) undone as a stream: the chunks' data comes
// out, their size lines, extensions, CRLFs and the trailer section are dropped. It reads
// bytes a decoder already accepted (a capture's body past its listed chunks) or a body
// read whole from a live socket, so it is lenient: a size line that does not parse, or is
// absurdly long, ends the content rather than throwing.

/** A size line longer than this (extensions included) is not one. */
const MAX_SIZE_LINE = 4096

export interface DechunkOptions {
  /** The source starts right after a chunk's data (at its CRLF), not at a size line. */
  afterData?: boolean
}

/** The data of the chunks in `source`, up to the last chunk (size 0) or the first line that is not a chunk's. */
export async function* dechunk(source: AsyncIterable<Uint8Array>, opts: DechunkOptions = {}): AsyncGenerator<Uint8Array> {
  let line = ''
  let data = 0
  // After each chunk's data: its CRLF, then the next size line.
  let phase: 'crlf' | 'size' | 'data' = opts.afterData ? 'crlf' : 'size'
  let crlf = 2
  for await (const piece of source) {
    let i = 0
    while (i < piece.length) {
      if (phase === 'data') {
        const n = Math.min(data, piece.length - i)
        yield piece.subarray(i, i + n)
        i += n
        data -= n
        if (data === 0) {
          phase = 'crlf'
          crlf = 2
        }
      } else if (phase === 'crlf') {
        const n = Math.min(crlf, piece.length - i)
        i += n
        crlf -= n
        if (crlf === 0) {
          phase = 'size'
          line = ''
        }
      } else {
        const nl = piece.indexOf(0x0a, i)
        line += Buffer.from(piece.subarray(i, nl < 0 ? piece.length : nl)).toString('latin1')
        if (line.length > MAX_SIZE_LINE) return
        if (nl < 0) {
          i = piece.length
          continue
        }
        i = nl + 1
        const size = parseInt(/^[0-9a-f]+/i.exec(line)?.[0] ?? '', 16)
        if (!Number.isSafeInteger(size) || size === 0) return
        data = size
        phase = 'data'
      }
    }
  }
}

/** Whether the headers say the body is sent chunked (the last transfer coding is `chunked`). */
export function isChunked(headers: readonly { name: string; value: string }[]): boolean {
  let last = ''
  for (const h of headers) {
    if (h.name.toLowerCase() !== 'transfer-encoding') continue
    for (const c of h.value.split(',')) if (c.trim() !== '') last = c.trim().toLowerCase()
  }
  return last === 'chunked'
}

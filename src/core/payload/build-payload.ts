// Turns a PayloadSpec into the exact bytes to send. The one place where text encodings
// (including GBK, GB18030 and Shift_JIS), hex, escapes, files, checksums and line endings are applied.

import { readFile, stat } from 'node:fs/promises'
import iconv from 'iconv-lite'
import { checksumBytes } from '../../shared/payload/checksums'
import { parseEscapes } from '../../shared/payload/escapes'
import { parseHex, PayloadError } from '../../shared/payload/parse-hex'
import { EOL_BYTES, type PayloadSpec, type TextEncoding } from '../../shared/payload/payload-spec'

/** Largest file sent as one payload; bigger files are refused rather than read into memory. */
export const MAX_FILE_PAYLOAD = 256 * 1024 * 1024

export function encodeText(text: string, encoding: TextEncoding): Buffer {
  if (encoding === 'gbk' || encoding === 'gb18030' || encoding === 'shift_jis') return iconv.encode(text, encoding)
  if (encoding === 'base64') {
    const clean = text.replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
      throw new PayloadError('bad base64 text: use A-Z a-z 0-9 + / with = padding')
    }
    return Buffer.from(clean, 'base64')
  }
  if (encoding === 'ascii' && /[^\x00-\x7f]/.test(text)) {
    const at = text.search(/[^\x00-\x7f]/)
    throw new PayloadError(`"${text[at]}" at position ${at + 1} is not ASCII: pick utf8 (or gbk) instead`)
  }
  if (encoding === 'latin1' && /[^\x00-\xff]/.test(text)) {
    const at = text.search(/[^\x00-\xff]/)
    throw new PayloadError(`"${text[at]}" at position ${at + 1} has no Latin-1 byte: pick utf8 (or gbk) instead`)
  }
  return Buffer.from(text, encoding)
}

function textBytes(spec: PayloadSpec): Buffer {
  const encoding = spec.encoding ?? 'utf8'
  if (spec.escapes === false || encoding === 'base64') return encodeText(spec.data, encoding)
  return Buffer.concat(parseEscapes(spec.data).map((p) => ('byte' in p ? Buffer.of(p.byte) : encodeText(p.text, encoding))))
}

async function fileBytes(path: string): Promise<Buffer> {
  try {
    const info = await stat(path)
    if (info.isDirectory()) throw new PayloadError(`${path} is a folder: pick a file to send`)
    // A FIFO would hold a reader forever, /dev/zero would never end: only regular files are read.
    if (!info.isFile()) throw new PayloadError(`${path} is not a regular file (a FIFO, device or socket): pick a file to send`)
    if (info.size > MAX_FILE_PAYLOAD) {
      throw new PayloadError(`${path} is ${info.size} bytes; files up to ${MAX_FILE_PAYLOAD} bytes can be sent as one payload`)
    }
    return await readFile(path)
  } catch (err) {
    if (err instanceof PayloadError) throw err
    const e = err as NodeJS.ErrnoException
    throw new PayloadError(e.code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${e.code ?? e.message}`)
  }
}

export async function buildPayload(spec: PayloadSpec): Promise<Buffer> {
  const data = spec.kind === 'file' ? await fileBytes(spec.data) : spec.kind === 'hex' ? Buffer.from(parseHex(spec.data)) : textBytes(spec)
  const check = checksumBytes(spec.checksum ?? 'none', data)
  const eol = EOL_BYTES[spec.eol ?? 'none']
  return check.length === 0 && eol.length === 0 ? data : Buffer.concat([data, check, eol])
}

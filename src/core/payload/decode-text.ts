// Bytes to text in the encodings people debug with (GBK, GB18030, Shift_JIS via iconv-lite).

import iconv from 'iconv-lite'
import type { Encoding } from '../../shared/text-encodings'

export type DecodeEncoding = Encoding

export function decodeText(bytes: Buffer, encoding: DecodeEncoding = 'utf8'): string {
  return encoding === 'gbk' || encoding === 'gb18030' || encoding === 'shift_jis' ? iconv.decode(bytes, encoding) : bytes.toString(encoding)
}

export interface StreamDecoder {
  /** Text for these bytes; a character split across chunks comes out whole with the next. */
  write(bytes: Buffer): string
  end(): string
}

export function createStreamDecoder(encoding: DecodeEncoding = 'utf8'): StreamDecoder {
  const d = iconv.getDecoder(encoding)
  return { write: (b) => d.write(b), end: () => d.end() ?? '' }
}

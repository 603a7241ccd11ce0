// Bytes to text in the encodings people debug with (GBK/GB18030 via iconv-lite).

import iconv from 'iconv-lite'

export type DecodeEncoding = 'utf8' | 'latin1' | 'ascii' | 'utf16le' | 'gbk' | 'gb18030'

export function decodeText(bytes: Buffer, encoding: DecodeEncoding = 'utf8'): string {
  return encoding === 'gbk' || encoding === 'gb18030' ? iconv.decode(bytes, encoding) : bytes.toString(encoding)
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

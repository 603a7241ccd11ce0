// The protocol layer's entry points the decoding service uses, in one place.
// TEMPORARY: src/core/protocols/connection-decoder.ts and src/core/http/content-coding.ts are
// being written; until they land these stand in, so the engine still loads and builds.

import type { ConnectionDecoder, DecoderOptions } from '../protocols/stream-decoder'

export function createConnectionDecoder(_opts: DecoderOptions): ConnectionDecoder {
  throw new Error('the connection decoder is not built yet')
}

export interface DecodedWindow {
  bytes: Uint8Array
  total?: number
  end: boolean
  decoded: string[]
  problem?: { message: string; offset: number }
}

export function decodeContent(_codings: string[], _source: AsyncIterable<Uint8Array>, _window: { offset: number; length: number }, _signal?: AbortSignal): Promise<DecodedWindow> {
  return Promise.reject(new Error('content decoding is not built yet'))
}

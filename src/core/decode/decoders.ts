// The protocol layer's entry points the decoding service uses, in one place.
// TEMPORARY: src/core/http/content-coding.ts is being written; until it lands decodeContent
// stands in, so the engine still loads and builds.

export { createConnectionDecoder } from '../protocols/connection-decoder'

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

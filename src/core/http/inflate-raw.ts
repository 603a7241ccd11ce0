// Raw DEFLATE inflation for the decoders (which stay free of Node), with node:zlib: one
// piece of input at a time, optionally with a preset dictionary (permessage-deflate's
// context takeover). Input that stops short of a final block is not an error: a
// permessage-deflate message never has one, and a cut-off message inflates as far as it
// goes. Bad data and output over the limit come back as `error`, never thrown.

import { constants, inflateRawSync } from 'node:zlib'
import type { InflateRaw } from '../protocols/stream-decoder'

// Buffers cannot be larger than this; asking zlib for more is itself an error.
const MAX_BUFFER = 2 ** 31 - 1

export const inflateRaw: InflateRaw = (data, dictionary, maxOutput) => {
  const limit = Math.max(1, Math.min(MAX_BUFFER, Math.floor(maxOutput) || 1))
  try {
    const out = inflateRawSync(data, {
      dictionary: dictionary && dictionary.length > 0 ? dictionary : undefined,
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: limit
    })
    return { output: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) }
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'ERR_BUFFER_TOO_LARGE') return { output: new Uint8Array(0), error: `inflates to more than ${limit} bytes` }
    return { output: new Uint8Array(0), error: e instanceof Error ? e.message : String(e) }
  }
}

// A compressed gRPC message inflated by its call's grpc-encoding (gzip or deflate; identity
// means it should not be compressed at all), bounded: what inflates past the largest
// message is refused, not held. An encoding zlib cannot undo (snappy, zstd on this Node) is
// that message's problem, in one sentence.

import { promisify } from 'node:util'
import zlib from 'node:zlib'

const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)
const inflateRaw = promisify(zlib.inflateRaw)

export type Inflated = { bytes: Uint8Array } | { problem: string }

/** A zlib header (RFC 1950): CM=8 and a multiple of 31; gRPC's `deflate` is zlib-wrapped, but raw DEFLATE is taken too. */
const zlibWrapped = (b: Uint8Array): boolean => b.length >= 2 && (b[0] & 0x0f) === 8 && ((b[0] << 8) | b[1]) % 31 === 0

export async function inflateGrpcMessage(payload: Uint8Array, encoding: string | undefined, max: number): Promise<Inflated> {
  const coding = encoding?.trim().toLowerCase()
  if (coding === undefined || coding === '' || coding === 'identity') return { problem: 'it is marked compressed, but its side names no grpc-encoding' }
  const run = coding === 'gzip' ? gunzip : coding === 'deflate' ? (zlibWrapped(payload) ? inflate : inflateRaw) : undefined
  if (!run) return { problem: `it is compressed with ${coding}, which tcpscope cannot inflate` }
  try {
    const out = await run(payload, { maxOutputLength: Math.max(1, max) })
    return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) }
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ERR_BUFFER_TOO_LARGE') return { problem: `it inflates to more than ${max} bytes, gRPC's largest message` }
    return { problem: `its ${coding} data does not inflate: ${(e as Error).message}` }
  }
}

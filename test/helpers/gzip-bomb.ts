// Decompression bombs built at test time: one gzip stream of zeros, the way a hostile server
// would send it. A 2 GiB one is built from one compressed MiB repeated: each is deflated
// with a full flush, so its blocks stand alone (no reference reaches back into the one
// before) and the same bytes follow each other; the trailer's CRC-32 is zlib's over the
// zeros. 2 GiB of zeros come out of 2.03 MiB in about half a second. And a real server that
// answers with one.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import zlib from 'node:zlib'

const MiB = 1024 * 1024

/** A single gzip stream (not gzip members end to end) of `size` zero bytes; `size` a whole number of MiB. */
export function gzipOfZeros(size: number): Buffer {
  if (size % MiB !== 0) throw new Error('gzipOfZeros: size is a whole number of MiB')
  const zero = Buffer.alloc(MiB)
  const piece = zlib.deflateRawSync(zero, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH })
  let crc = 0
  for (let i = 0; i < size / MiB; i++) crc = zlib.crc32(zero, crc)
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff])
  // The final block: fixed Huffman, BFINAL set, its end-of-block code alone.
  const last = Buffer.from([0x03, 0x00])
  const tail = Buffer.alloc(8)
  tail.writeUInt32LE(crc >>> 0, 0)
  tail.writeUInt32LE(size % 2 ** 32, 4)
  return Buffer.concat([head, ...Array<Buffer>(size / MiB).fill(piece), last, tail])
}

/**
 * A real HTTP server whose every answer is `body` as a gzip JSON response (Content-Length
 * framing), the way the hostile server in the report answered.
 */
export async function startBombServer(body: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': body.length })
      res.end(body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

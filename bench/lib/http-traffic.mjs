// HTTP/1.1 traffic for the decoding bench, the same bytes whether it goes over a socket or
// straight into a decoder: "typical" exchanges as a browser and an API server make them
// (requests of about 400 bytes, response heads of about 300 bytes, small bodies), a
// Content-Length download, and chunked bodies of a given chunk size.

const SID = '5f2b9c07d41e8a36'

/** Exchange `i`: a GET (4 in 5) or a POST with a small JSON body (1 in 5), and its answer. */
export function exchange(i) {
  return { request: requestBytes(i), response: responseBytes(i) }
}

export function requestBytes(i) {
  const post = i % 5 === 4
  const body = post ? `{"item":${i},"quantity":${(i % 7) + 1},"note":"added from the catalog page, bench request"}` : ''
  const head =
    `${post ? 'POST' : 'GET'} /api/items/${i}?page=${i % 50} HTTP/1.1\r\n` +
    'Host: shop.example.test:8080\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n' +
    'Accept: application/json, text/plain, */*\r\n' +
    'Accept-Language: en-US,en;q=0.9\r\n' +
    'Accept-Encoding: gzip, deflate, br\r\n' +
    'Referer: https://shop.example.test/catalog\r\n' +
    (post ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : '') +
    `Cookie: sid=${SID}; theme=dark\r\n` +
    'Connection: keep-alive\r\n\r\n'
  return Buffer.from(head + body, 'latin1')
}

/** The answer to exchange `i`: 200 with JSON of 120-1,900 bytes, or a 304 (1 in 10) with none. */
export function responseBytes(i) {
  if (i % 10 === 9) {
    return Buffer.from(
      'HTTP/1.1 304 Not Modified\r\n' +
        'Date: Mon, 23 Nov 2026 12:00:00 GMT\r\n' +
        `ETag: W/"${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-item"\r\n` +
        'Cache-Control: private, max-age=0, must-revalidate\r\n' +
        'Vary: Accept-Encoding, Origin\r\n' +
        'Server: nginx/1.24.0\r\n' +
        `X-Request-Id: 7f3c9a1e-${String(i).padStart(12, '0')}\r\n` +
        'Connection: keep-alive\r\n\r\n',
      'latin1'
    )
  }
  const body = jsonBody(i)
  return Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'Date: Mon, 23 Nov 2026 12:00:00 GMT\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Connection: keep-alive\r\n' +
      'Cache-Control: private, max-age=0, must-revalidate\r\n' +
      `ETag: W/"${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-item"\r\n` +
      'Vary: Accept-Encoding, Origin\r\n' +
      'Server: nginx/1.24.0\r\n' +
      `X-Request-Id: 7f3c9a1e-${String(i).padStart(12, '0')}\r\n\r\n` +
      body,
    'latin1'
  )
}

function jsonBody(i) {
  const items = []
  const n = 1 + (i % 15)
  for (let k = 0; k < n; k++) items.push(`{"id":${i * 16 + k},"name":"item ${k} of ${i}","price":${(k + 1) * 3}.99,"stock":${(i + k) % 40}}`)
  return `{"page":${i % 50},"items":[${items.join(',')}]}`
}

/** The head of a `length`-byte Content-Length download (an ISO image, say). */
export function downloadHead(length) {
  return Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'Date: Mon, 23 Nov 2026 12:00:00 GMT\r\n' +
      'Content-Type: application/octet-stream\r\n' +
      `Content-Length: ${length}\r\n` +
      'Content-Disposition: attachment; filename="disk.img"\r\n' +
      'Accept-Ranges: bytes\r\n' +
      'Server: nginx/1.24.0\r\n' +
      'Connection: keep-alive\r\n\r\n',
    'latin1'
  )
}

export function chunkedHead() {
  return Buffer.from(
    'HTTP/1.1 200 OK\r\n' +
      'Date: Mon, 23 Nov 2026 12:00:00 GMT\r\n' +
      'Content-Type: application/x-ndjson\r\n' +
      'Transfer-Encoding: chunked\r\n' +
      'Server: nginx/1.24.0\r\n' +
      'Connection: keep-alive\r\n\r\n',
    'latin1'
  )
}

/** `1000\r\n` + `size` bytes of `fill` + `\r\n`: one whole chunk, repeated by whoever sends it. */
export function chunkFrame(size, fill = 0x61) {
  const head = Buffer.from(size.toString(16) + '\r\n', 'latin1')
  const out = Buffer.alloc(head.length + size + 2, fill)
  head.copy(out, 0)
  out.write('\r\n', head.length + size, 'latin1')
  return out
}

/** Many whole chunks of `size` in one buffer of about `target` bytes (what one socket read might hold). */
export function chunkRun(size, target) {
  const one = chunkFrame(size)
  const n = Math.max(1, Math.floor(target / one.length))
  return { bytes: Buffer.concat(Array.from({ length: n }, () => one)), chunks: n, body: n * size }
}

export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1')

/** A GET for a download (`/download/cl/N` or `/download/chunked/N/SIZE`), about 400 bytes like the rest. */
export function downloadRequest(path) {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\n` +
      'Host: files.example.test:8080\r\n' +
      'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n' +
      'Accept: */*\r\n' +
      'Accept-Encoding: identity\r\n' +
      'Connection: keep-alive\r\n\r\n',
    'latin1'
  )
}

const RUN_TARGET = 1024 * 1024

/** A download of about `n` bytes in chunks of `size`: what the server sends for its path, whole runs of ~1 MiB. */
export function chunkedDownload(n, size) {
  const run = chunkRun(size, RUN_TARGET)
  const runs = Math.ceil(n / run.body)
  return { path: `/download/chunked/${n}/${size}`, run, runs, body: runs * run.body, wire: chunkedHead().length + runs * run.bytes.length + LAST_CHUNK.length }
}

export function contentLengthDownload(n) {
  return { path: `/download/cl/${n}`, body: n, wire: downloadHead(n).length + n }
}

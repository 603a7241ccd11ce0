// The decoding bench's HTTP/1.1 server, in its own process (forked with an IPC channel by
// decode.mjs), answering with bytes from lib/http-traffic.mjs so a client knows exactly what
// to expect:
//   /api/items/N              exchange N's answer (keep-alive, small JSON or a 304)
//   /download/cl/N            N bytes with Content-Length
//   /download/chunked/N/SIZE  N bytes (rounded up to whole runs) in chunks of SIZE
// Requests are answered in order, pipelined or not; a request's body (Content-Length) is read
// and dropped. Raw sockets, not node:http: the server should cost as little CPU as it can.
import { createServer } from 'node:net'
import { chunkedDownload, chunkedHead, downloadHead, LAST_CHUNK, responseBytes } from './lib/http-traffic.mjs'

const HOST = '127.0.0.1'
const MiB = 1024 * 1024
const FILL = Buffer.alloc(MiB, 'tcpscope bench download ')
// wrk asks for one path over and over: its answer is built once.
const answers = new Map()

function answerFor(path) {
  let a = answers.get(path)
  if (!a) {
    const m = /^\/api\/items\/(\d+)/.exec(path)
    a = responseBytes(m ? Number(m[1]) : 0)
    if (answers.size > 1000) answers.clear()
    answers.set(path, a)
  }
  return a
}

function drained(s) {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done)
      s.off('close', done)
      resolve()
    }
    s.on('drain', done)
    s.on('close', done)
  })
}

/** Writes `total` bytes of `unit` repeated (the last piece cut), waiting for drain. */
async function pump(s, unit, total) {
  for (let sent = 0; sent < total && !s.destroyed; ) {
    const n = Math.min(unit.length, total - sent)
    sent += n
    if (!s.write(n === unit.length ? unit : unit.subarray(0, n))) await drained(s)
  }
}

async function download(s, path) {
  let m = /^\/download\/cl\/(\d+)$/.exec(path)
  if (m) {
    const n = Number(m[1])
    s.write(downloadHead(n))
    await pump(s, FILL, n)
    return
  }
  m = /^\/download\/chunked\/(\d+)\/(\d+)$/.exec(path)
  if (m) {
    const { run, runs } = chunkedDownload(Number(m[1]), Number(m[2]))
    s.write(chunkedHead())
    await pump(s, run.bytes, runs * run.bytes.length)
    s.write(LAST_CHUNK)
    return
  }
  s.write('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
}

const server = createServer({ noDelay: true }, (s) => {
  let buf = Buffer.alloc(0)
  let bodyLeft = 0
  let busy = false
  s.on('error', () => {})
  const serve = async () => {
    if (busy) return
    busy = true
    while (!s.destroyed) {
      if (bodyLeft > 0) {
        const n = Math.min(bodyLeft, buf.length)
        bodyLeft -= n
        buf = buf.subarray(n)
        if (bodyLeft > 0) break
      }
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) break
      const head = buf.toString('latin1', 0, end)
      buf = buf.subarray(end + 4)
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head)
      bodyLeft = cl ? Number(cl[1]) : 0
      const path = head.slice(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1))
      if (path.startsWith('/download/')) {
        s.pause()
        await download(s, path)
        s.resume()
      } else s.write(answerFor(path))
    }
    busy = false
  }
  s.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d
    void serve()
  })
})
server.on('error', (err) => {
  process.send?.({ type: 'fatal', message: String(err && err.message) })
  process.exit(1)
})
await new Promise((r) => server.listen(0, HOST, r))
// The parent went away (even by SIGKILL): do not linger.
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready', http: `${HOST}:${server.address().port}` })

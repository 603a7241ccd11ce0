// Records a capture through the real CLI proxy in front of a sink: many short connections
// sharing `total` bytes, or one long connection of `total` bytes (with an optional marker
// just before its end, for searches). Used by the open-capture and UI benches.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import { performance } from 'node:perf_hooks'

/** A server that reads everything and closes each connection after its client's FIN; `reply` is sent first. */
export async function startSink(reply) {
  const sink = createServer({ allowHalfOpen: true }, (s) => {
    s.resume()
    s.on('end', () => s.end(reply))
    s.on('error', () => {})
  })
  sink.listen(0, '127.0.0.1')
  await once(sink, 'listening')
  return sink
}

/** The first JSON line a CLI child prints. */
export async function firstJsonLine(child) {
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  // A child that fails at its start (a capture's folder missing, say; its reason is on
  // stderr) closes without the line: a bench waiting for it would wait for ever.
  let closed = false
  child.once('close', () => (closed = true))
  while (!out.includes('\n')) {
    if (closed) throw new Error(`${child.spawnargs.slice(1, 3).join(' ')} ended (exit code ${child.exitCode}) before printing its first line`)
    await Promise.race([once(child.stdout, 'data'), once(child, 'close')])
  }
  return JSON.parse(out.slice(0, out.indexOf('\n')))
}

/** One HTTP exchange per connection (`http`): what the exchange list bench lists. */
const HTTP_REPLY = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n{"bench":"item"}')
const httpRequest = (n) => Buffer.from(`GET /items/${n} HTTP/1.1\r\nHost: bench.example\r\nConnection: close\r\n\r\n`)

export async function recordCapture({ cli, file, connections, total, marker, http = false, concurrency = 64, log = () => {} }) {
  const sink = await startSink(http ? HTTP_REPLY : undefined)
  const proxy = spawn(process.execPath, [cli, 'proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${sink.address().port}`, '--capture', file, '--json', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const { listen } = await firstJsonLine(proxy)
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1))

  const per = Math.floor(total / connections)
  const t0 = performance.now()
  if (connections === 1) {
    // One long connection, in 1 MiB writes; the marker goes in just before its end.
    const chunk = Buffer.alloc(1024 * 1024, 'tcpscope bench payload ')
    const c = connect({ port, host: '127.0.0.1' })
    await once(c, 'connect')
    c.resume()
    for (let sent = 0; sent < total; sent += chunk.length) {
      const last = sent + chunk.length >= total
      const piece = last && marker ? Buffer.concat([chunk.subarray(0, chunk.length - 4096), marker, chunk.subarray(0, 4096 - marker.length)]) : chunk
      if (!c.write(piece)) await once(c, 'drain')
    }
    c.end()
    await once(c, 'close')
  } else {
    const payload = Buffer.alloc(per, 'tcpscope bench payload ')
    let started = 0
    let done = 0
    await new Promise((resolveAll, reject) => {
      const next = () => {
        if (started >= connections) return
        started++
        const c = connect({ port, host: '127.0.0.1' })
        c.on('error', reject)
        const n = started
        c.on('connect', () => c.end(http ? httpRequest(n) : payload))
        c.resume()
        c.on('close', () => {
          done++
          if (done % 10000 === 0) log(`  ${done} connections recorded`)
          if (done === connections) resolveAll()
          else next()
        })
      }
      for (let i = 0; i < concurrency; i++) next()
    })
  }
  const seconds = (performance.now() - t0) / 1000
  proxy.kill('SIGINT')
  await once(proxy, 'exit')
  sink.close()
  return { seconds, perConnection: per }
}

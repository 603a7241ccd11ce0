// Real protocol traffic for the decoding bench's messages part: a redis-server driven by
// redis-benchmark -P 16, and a PostgreSQL server driven by pgbench, each recorded in memory
// by a relay (each connection's chunks in order, both directions, with their times), and
// the recorded chunks cut into messages by a codec as the engine's message index does.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

export const hasProgram = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0

async function freePort() {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const port = s.address().port
  await new Promise((r) => s.close(r))
  return port
}

async function waitForPort(port, child, what) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before listening`)
    try {
      const s = connect(port, '127.0.0.1')
      await once(s, 'connect')
      s.destroy()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  throw new Error(`${what} did not listen on ${port} within 20 s`)
}

/** A throwaway redis-server on a free loopback port. */
export async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-bench-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  await waitForPort(port, child, 'redis-server')
  return { port, close: () => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) }
}

/** A throwaway PostgreSQL (initdb as the postgres user when run as root), trusting loopback. */
export async function startPostgres() {
  const bin = spawnSync('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'], { encoding: 'utf8' }).stdout.trim()
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)')
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-bench-pg-'))
  chmodSync(dir, 0o777)
  const asPg = (cmd, args) => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args])
  const [c, a] = asPg(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres'])
  const init = spawnSync(c, a, { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
  const port = await freePort()
  const [pc, pa] = asPg(join(bin, 'postgres'), ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'])
  const child = spawn(pc, pa, { stdio: 'ignore' })
  await waitForPort(port, child, 'postgres')
  return { port, close: () => (child.kill('SIGKILL'), rmSync(dir, { recursive: true, force: true })) }
}

/** Runs `client(port)` against a relay to 127.0.0.1:targetPort; each connection's chunks in order, as { dir, bytes, time } or { dir, end }. */
export async function recordThrough(targetPort, client) {
  const conns = []
  const server = createServer({ allowHalfOpen: true }, (down) => {
    const pieces = []
    conns.push(pieces)
    const up = connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true })
    const side = (from, to, dir) => {
      from.on('data', (b) => {
        pieces.push({ dir, bytes: new Uint8Array(b), time: Date.now() })
        if (!to.write(b)) {
          from.pause()
          to.once('drain', () => from.resume())
        }
      })
      from.on('end', () => {
        pieces.push({ dir, end: true, time: Date.now() })
        to.end()
      })
      from.on('error', () => to.destroy())
    }
    side(down, up, 'client')
    side(up, down, 'server')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    await client(server.address().port)
  } finally {
    await new Promise((r) => setTimeout(r, 200))
    server.close()
  }
  return conns
}

/** Runs a program to its end without blocking this process (the relay recording it lives here). */
export async function run(cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
  const [code] = await once(child, 'close')
  clearTimeout(timer)
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.slice(0, 400)}`)
  return out
}

/**
 * Cuts every recorded connection with the codec, as the message index does (cut and note
 * every message); with `describe`, also describes each (summary and fields), as a page does.
 */
export function cutAll(I, conns, spec, describe = false) {
  const codec = I.codecFor(spec)
  let messages = 0
  let errors = 0
  let bytes = 0
  const t0 = performance.now()
  for (const pieces of conns) {
    const streams = { client: [], server: [] }
    const cutter = new I.MessageCutter(codec, (m) => {
      messages++
      if (m.error) errors++
      if (describe) {
        const s = streams[m.dir]
        codec.describe(m.dir, s.bytes.subarray(m.offset, m.offset + m.length), m.note, m.length, !m.incomplete)
      }
    })
    const at = { client: 0, server: 0 }
    if (describe) for (const dir of ['client', 'server']) streams[dir].bytes = Buffer.concat(pieces.filter((p) => p.dir === dir && p.bytes).map((p) => p.bytes))
    for (const p of pieces) {
      if (p.end) cutter.end(p.dir, p.time)
      else {
        cutter.push(p.dir, p.bytes, at[p.dir], p.time)
        at[p.dir] += p.bytes.length
        bytes += p.bytes.length
      }
    }
  }
  return { ms: performance.now() - t0, messages, errors, bytes }
}

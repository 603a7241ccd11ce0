// Real-socket helpers for tests: servers on port 0, clients, and waiting on events.
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir(prefix = 'tcpscope-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  server.listen(0, host)
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** A server that runs `handle` for each connection; allowHalfOpen so FIN semantics are visible. */
export async function startServer(handle: (s: Socket) => void, host = '127.0.0.1'): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    handle(s)
  })
  const port = await listen(server, host)
  return {
    server,
    port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

export async function connectTo(port: number, host = '127.0.0.1'): Promise<Socket> {
  const s = connect({ port, host, allowHalfOpen: true })
  await once(s, 'connect')
  return s
}

/** Collects everything a socket reads until it ends (or closes). */
export function collect(s: Socket): Promise<Buffer> {
  const parts: Buffer[] = []
  s.on('data', (c: Buffer) => parts.push(c))
  return new Promise((resolve) => {
    let done = false
    const finish = (): void => {
      if (!done) {
        done = true
        resolve(Buffer.concat(parts))
      }
    }
    s.once('end', finish)
    s.once('close', finish)
  })
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
export const randomPayload = (n: number): Buffer => randomBytes(n)

export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = check()
    if (v) return v
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export interface SocketOutcome {
  /** The peer's FIN arrived (a clean end of its data). */
  ended: boolean
  /** The error that ended the socket (e.g. ECONNRESET), if any. */
  error?: string
}

/**
 * How a socket's life ended, once it has closed. Consumes its data. A half-open socket
 * stays open after the peer's FIN until it ends too: `endOnFin` does that at once.
 */
export function outcomeOf(s: Socket, { endOnFin = false } = {}): Promise<SocketOutcome> {
  const outcome: SocketOutcome = { ended: false }
  s.on('end', () => {
    outcome.ended = true
    if (endOnFin) s.end()
  })
  s.on('error', (err: NodeJS.ErrnoException) => (outcome.error ??= err.code ?? err.message))
  s.resume()
  return new Promise((resolve) => s.once('close', () => resolve(outcome)))
}

/**
 * A connected loopback pair on `host`: the client socket and the server's accepted one;
 * `close` destroys both and closes the server.
 */
export async function loopbackPair(host = '127.0.0.1', opts: { allowHalfOpen?: boolean } = {}): Promise<{ client: Socket; accepted: Socket; close: () => Promise<void> }> {
  const server = createServer({ allowHalfOpen: opts.allowHalfOpen ?? false })
  const acceptedP = once(server, 'connection') as Promise<[Socket]>
  const port = await listen(server, host)
  const client = connect({ host, port, allowHalfOpen: opts.allowHalfOpen ?? false })
  await once(client, 'connect')
  const [accepted] = await acceptedP
  return {
    client,
    accepted,
    close: () => {
      client.destroy()
      accepted.destroy()
      return new Promise<void>((r) => server.close(() => r()))
    }
  }
}

/** Runs `n` connections through `port`, `parallel` at a time, each sending 1 KiB then closing. */
export function burst(port: number, n: number, parallel: number): Promise<void> {
  return new Promise((done) => {
    let started = 0
    let closed = 0
    const next = (): void => {
      if (started >= n) return
      started++
      const s = connect({ port, host: '127.0.0.1' }, () => s.end(Buffer.alloc(1024)))
      s.resume()
      s.on('error', () => {})
      s.on('close', () => (++closed === n ? done() : next()))
    }
    for (let i = 0; i < parallel; i++) next()
  })
}

/** The first port of the kernel's ephemeral range, from which listen(0) and connect() take theirs. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    if (Number.isInteger(low) && low > 2048) return low
  } catch {
    // Not Linux: the range IANA suggests, which macOS and Windows use.
  }
  return 49152
}

/**
 * A loopback port free a moment ago (bound, then let go), for a test that has to name a port
 * before something listens on it or connects from it: a setup started again, a peer's --port.
 * It lies below the ephemeral range, so no listen(0) or outgoing connection of the tests
 * running beside it can take it in between (a port of that range, freed, is taken by one of
 * them now and then, and the test fails with EADDRINUSE).
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow()
  const low = Math.max(1024, high >> 1)
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low))
    const probe = createServer()
    const bound = await new Promise<boolean>((done) => {
      probe.once('error', () => done(false))
      probe.listen(port, '127.0.0.1', () => done(true))
    })
    if (bound) {
      await new Promise((done) => probe.close(done))
      return port
    }
  }
}

/**
 * A loopback port that refuses connections and goes on refusing. A port freed after a
 * listen (port 0, then close) can be taken at once by a test running beside it; tests
 * listen on port 0, which picks from the ephemeral range, and nothing listens on port 1.
 */
export const REFUSED_PORT = 1

/** Connects to `port`, sends `text` and resolves what comes back once it is as long as what was sent. */
export async function sendAndRead(port: number, text: string): Promise<string> {
  const s = await connectTo(port)
  s.write(text)
  let got = ''
  for await (const chunk of s) {
    got += String(chunk)
    if (got.length >= text.length) break
  }
  s.destroy()
  return got
}

/** A GET of `path` on loopback `port` (its connection closed after), its body read and dropped. */
export async function httpGet(port: number, path: string): Promise<void> {
  const req = request({ port, host: '127.0.0.1', path, headers: { Connection: 'close' } })
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  res.resume()
  await once(res, 'end')
}

/** The port of a listen address the engine reports ("127.0.0.1:4321", "[::1]:4321"). */
export const portOf = (listen: string): number => Number(listen.slice(listen.lastIndexOf(':') + 1))

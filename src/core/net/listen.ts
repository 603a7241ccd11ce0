// Listening, in one place: proxies, server sessions, recorded servers and web mode all open
// their listening socket here (Listener), so each says the same one line for a port in use,
// a path it may not write, a folder that is not there, and each recovers a stale Unix
// socket file left behind by a program that died. What a server does with its clients
// stays with it; only the listening is here.

import { existsSync, lstatSync, unlinkSync } from 'node:fs'
import { connect, type Server } from 'node:net'
import { dirname } from 'node:path'
import type { Endpoint } from '../../shared/endpoint'
import { formatEndpoint } from '../../shared/endpoint'
import { UserError, describeNetError } from './net-errors'

export interface ListenOptions {
  backlog?: number
  /** SO_REUSEPORT (Node 22.12+ on Linux): other threads listen on the same port, and the kernel spreads connections over them. */
  reusePort?: boolean
}

function listenOnce(server: Server, ep: Endpoint, opts: ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    if (ep.kind === 'unix') server.listen({ path: ep.path, backlog: opts.backlog })
    else server.listen({ host: ep.host, port: ep.port, backlog: opts.backlog, ...(opts.reusePort === true ? { reusePort: true } : {}) })
  })
}

/** True when nothing answers on the socket file (its owner is gone). */
function nobodyAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path })
    probe.once('connect', () => {
      probe.destroy()
      resolve(false)
    })
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
  })
}

function toUserError(err: unknown, ep: Endpoint): UserError {
  let e = err as NodeJS.ErrnoException
  // libuv reports a Unix socket path whose folder is missing as EACCES (as Windows would).
  if (ep.kind === 'unix' && e.code === 'EACCES' && !existsSync(dirname(ep.path))) e = { ...e, code: 'ENOENT' }
  return new UserError(describeNetError(e, { op: 'listen', where: formatEndpoint(ep) }), e.code)
}

/** Bytes of a Unix socket path the OS keeps (sun_path less its NUL); longer ones are cut short. */
const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103

/** Throws for a socket path the OS would silently shorten: it would listen or connect elsewhere. */
export function checkSocketPath(ep: Endpoint): void {
  if (ep.kind === 'unix' && !ep.path.startsWith('\\\\') && Buffer.byteLength(ep.path) > MAX_SOCKET_PATH) {
    throw new UserError(describeNetError({ name: 'Error', message: '', code: 'ENAMETOOLONG' }, { op: 'listen', where: ep.path }), 'ENAMETOOLONG')
  }
}

async function listenOn(server: Server, ep: Endpoint, opts: ListenOptions = {}): Promise<void> {
  const where = formatEndpoint(ep)
  checkSocketPath(ep)
  try {
    await listenOnce(server, ep, opts)
    return
  } catch (err) {
    if (ep.kind !== 'unix' || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw toUserError(err, ep)
  }
  // A Unix socket path is taken: reuse it only if it is a socket whose owner is gone.
  const path = (ep as { path: string }).path
  let isSocket = true
  try {
    isSocket = lstatSync(path).isSocket()
  } catch {
    /* vanished meanwhile: just retry */
  }
  if (!isSocket) {
    throw new UserError(`cannot listen on ${where}: a file that is not a socket is there; remove it or pick another path`, 'EEXIST')
  }
  if (!(await nobodyAnswers(path))) {
    throw new UserError(`cannot listen on ${where}: another program is listening on that socket; stop it or pick another path`, 'EADDRINUSE')
  }
  unlinkSync(path)
  try {
    await listenOnce(server, ep, opts)
  } catch (err) {
    throw toUserError(err, ep)
  }
}

/** The address a server really listens on (port 0 resolved), as `HOST:PORT` or its path. */
function boundAddress(server: Server, ep: Endpoint): string {
  const a = server.address()
  if (a === null || typeof a === 'string') return ep.kind === 'unix' ? ep.path : String(a)
  return formatEndpoint({ kind: 'tcp', host: a.address, port: a.port })
}

/** Where to listen again after a stop: the port it had, so its clients find it where it was. */
function listenAgain(first: Endpoint, server: Server): Endpoint {
  const a = server.address()
  if (first.kind !== 'tcp' || first.port !== 0 || a === null || typeof a === 'string') return first
  return { ...first, port: a.port }
}

/**
 * A server listening on an endpoint: where it really listens (port 0 resolved), and a restart
 * on that same address. `make` builds the server with its handlers; a restart builds a new
 * one, because the old one may still be closing.
 */
export class Listener<S extends Server = Server> {
  private constructor(
    private readonly make: () => S,
    private readonly opts: ListenOptions,
    /** Where a restart listens: the first listen's address with its port resolved. */
    private readonly again: Endpoint,
    private current: S,
    private bound: string
  ) {}

  /** Listens on `at`; rejects with a one-line UserError when it cannot. */
  static async open<S extends Server>(at: Endpoint, make: () => S, opts: ListenOptions = {}): Promise<Listener<S>> {
    const server = await listenNew(make, at, opts)
    return new Listener(make, opts, listenAgain(at, server), server, boundAddress(server, at))
  }

  get server(): S {
    return this.current
  }

  /** `HOST:PORT` (port resolved) or the socket's path. */
  get address(): string {
    return this.bound
  }

  /** The TCP port it listens on (0 for a Unix socket). */
  get port(): number {
    const a = this.current.address()
    return a !== null && typeof a === 'object' ? a.port : 0
  }

  /** Listens again, on the address and with the options of the first listen, with a new server. */
  async restart(): Promise<void> {
    const server = await listenNew(this.make, this.again, this.opts)
    this.current = server
    this.bound = boundAddress(server, this.again)
  }

  /** Stops listening; resolves once the server has closed (its open connections are the owner's). */
  close(): Promise<void> {
    return new Promise((resolve) => this.current.close(() => resolve()))
  }
}

async function listenNew<S extends Server>(make: () => S, at: Endpoint, opts: ListenOptions): Promise<S> {
  const server = make()
  // Once listening, a failed accept() (ENFILE, ENOBUFS) is emitted as the server's 'error':
  // unheard, it would end the process; libuv goes on listening after it.
  server.on('error', () => {})
  await listenOn(server, at, opts)
  return server
}

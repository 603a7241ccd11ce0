// Helpers for ad-hoc session tests: find which capture connection a socket is, read what
// the capture holds, and read from a plain socket until the expected bytes have come.
import type { Socket } from 'node:net'
import type { Engine } from '../../src/core/engine'
import type { CaptureEvent, ConnectionSummary, Direction } from '../../src/shared/capture-types'
import type { ClientSessionInfo, ServerSessionInfo } from '../../src/shared/session-types'
import { waitFor } from './net'

export async function serverInfo(engine: Engine, serverId: string): Promise<ServerSessionInfo> {
  const s = (await engine['session.list']()).find((x) => x.id === serverId)
  if (!s || s.kind !== 'server') throw new Error(`no server session ${serverId}`)
  return s
}

export async function clientInfo(engine: Engine, clientId: string): Promise<ClientSessionInfo> {
  const s = (await engine['session.list']()).find((x) => x.id === clientId)
  if (!s || s.kind !== 'client') throw new Error(`no client session ${clientId}`)
  return s
}

/** The server-session connection whose remote client is this local socket. */
export async function connIdOf(engine: Engine, socket: Socket): Promise<number> {
  const port = socket.localPort
  // The session records and registers an accepted client in the same tick.
  const conn = await waitFor(
    () => engine.capture.connections().find((c) => c.kind === 'server' && c.client && 'port' in c.client && c.client.port === port),
    `the server session to accept the client from port ${port}`
  )
  return conn.id
}

export function summaryOf(engine: Engine, connId: number): ConnectionSummary {
  const c = engine.capture.connections().find((x) => x.id === connId)
  if (!c) throw new Error(`no connection #${connId}`)
  return c
}

/** Waits until the connection's close is recorded. */
export function closedSummary(engine: Engine, connId: number): Promise<ConnectionSummary> {
  return waitFor(() => {
    const c = summaryOf(engine, connId)
    return c.end !== 'open' && c
  }, `connection #${connId} to close`)
}

/** Everything the capture holds for one direction of a connection. */
export async function captured(engine: Engine, connId: number, dir: Direction): Promise<Buffer> {
  const c = summaryOf(engine, connId)
  return Buffer.from(await engine['conn.read']({ capture: 'live', connId, dir, offset: 0, length: c.bytes[dir] }))
}

export async function eventsOf(engine: Engine, connId: number): Promise<CaptureEvent[]> {
  return (await engine['conn.events']({ capture: 'live', connId, from: 0, limit: 10_000 })).events
}

/** Waits until the capture has recorded an event of this kind (and direction). */
export async function recordedEvent(engine: Engine, connId: number, kind: CaptureEvent['kind'], dir?: Direction): Promise<CaptureEvent> {
  for (let i = 0; ; i++) {
    const e = (await eventsOf(engine, connId)).find((x) => x.kind === kind && (dir === undefined || x.dir === dir))
    if (e) return e
    if (i > 2000) throw new Error(`connection #${connId} never recorded ${kind}${dir ? ` (${dir})` : ''}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Reads everything a plain socket receives and remembers how it ended. */
export class SocketReader {
  private parts: Buffer[] = []
  ended = false
  closed = false
  error: string | undefined

  constructor(readonly socket: Socket) {
    socket.on('data', (c: Buffer) => this.parts.push(c))
    socket.on('end', () => (this.ended = true))
    socket.on('error', (err: NodeJS.ErrnoException) => (this.error ??= err.code ?? err.message))
    socket.on('close', () => (this.closed = true))
  }

  get bytes(): Buffer {
    return Buffer.concat(this.parts)
  }
  get text(): string {
    return this.bytes.toString()
  }

  /** Waits until at least `n` bytes have arrived; returns all of them. */
  atLeast(n: number): Promise<Buffer> {
    return waitFor(() => this.bytes.length >= n && this.bytes, `${n} bytes (have ${this.bytes.length}: ${JSON.stringify(this.text)})`)
  }

  /** Waits until the received text contains `s`. */
  contains(s: string): Promise<string> {
    return waitFor(() => this.text.includes(s) && this.text, `${JSON.stringify(s)} (have ${JSON.stringify(this.text)})`)
  }
}

/** Lets the event loop run for a while: for asserting that something did NOT happen. */
export const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

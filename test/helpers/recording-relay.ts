// A loopback TCP relay that records what goes through it, as the proxy's capture would:
// each connection's chunks in the order they came (both directions interleaved, with their
// times) and each direction's FIN. For decoder tests on bytes from real clients and servers.
import net from 'node:net'
import type { Direction } from '../../src/shared/capture-types'
import { listen, waitFor } from './net'

export type RecordedPiece = { dir: Direction; bytes: Uint8Array; time: number } | { dir: Direction; end: true; time: number }

export interface RecordedConnection {
  pieces: RecordedPiece[]
  /** Both sides have closed: nothing more will be recorded. */
  closed: boolean
}

export interface RecordingRelay {
  port: number
  connections: RecordedConnection[]
  /** Resolves once `count` connections were accepted and all of them closed. */
  settled(count: number): Promise<RecordedConnection[]>
  close(): Promise<void>
}

/** Relays 127.0.0.1:port to 127.0.0.1:targetPort, recording every connection. */
export async function startRecordingRelay(targetPort: number): Promise<RecordingRelay> {
  const connections: RecordedConnection[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: true }, (down) => {
    const conn: RecordedConnection = { pieces: [], closed: false }
    connections.push(conn)
    const up = net.connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true })
    for (const s of [down, up]) sockets.add(s)
    let open = 2
    const closed = (): void => {
      if (--open === 0) conn.closed = true
    }
    const wire = (from: net.Socket, to: net.Socket, dir: Direction): void => {
      from.on('data', (d: Buffer) => {
        conn.pieces.push({ dir, bytes: new Uint8Array(d), time: Date.now() })
        to.write(d)
      })
      from.on('end', () => {
        conn.pieces.push({ dir, end: true, time: Date.now() })
        to.end()
      })
      from.on('close', () => {
        sockets.delete(from)
        closed()
      })
      from.on('error', () => to.destroy())
    }
    wire(down, up, 'client')
    wire(up, down, 'server')
  })
  const port = await listen(server)
  return {
    port,
    connections,
    settled: (count) => waitFor(() => connections.length >= count && connections.every((c) => c.closed) && connections, `${count} relayed connections to close`),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

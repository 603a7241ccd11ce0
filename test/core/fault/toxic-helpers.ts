// What the toxics' tests share: an engine, a proxy to a real server, toxics added through
// the engine's commands, and the `fault` records a connection got.
import type { Socket } from 'node:net'
import type { ToxicSpec } from '../../../src/shared/fault-types'
import type { Engine } from '../../../src/core/engine'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf } from '../../helpers/engine'
import { eventsOf } from '../../helpers/sessions'

export interface ToxicProxy {
  proxyId: string
  port: number
  /** The server's side of each connection, in the order accepted. */
  accepted: Socket[]
  close: () => Promise<void>
}

/** A proxy of `engine` to a server that hands each accepted socket to `handle` (default: echo). */
export async function proxyTo(engine: Engine, handle: (s: Socket) => void = (s) => s.pipe(s)): Promise<ToxicProxy> {
  const accepted: Socket[] = []
  const server = await startServer((s) => {
    s.on('error', () => {})
    accepted.push(s)
    handle(s)
  })
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  return { proxyId: proxy.id, port: portOf(proxy.listen), accepted, close: server.close }
}

export async function addToxic(engine: Engine, proxyId: string, toxic: ToxicSpec): Promise<void> {
  await engine['toxic.add']({ proxyId, toxic })
}

/** The time a round trip of `bytes` through an echo takes, in ms. */
export async function roundTrip(client: Socket, bytes = Buffer.from('ping')): Promise<number> {
  const start = performance.now()
  let got = 0
  await new Promise<void>((resolve) => {
    const onData = (c: Buffer): void => {
      got += c.length
      if (got < bytes.length) return
      client.off('data', onData)
      resolve()
    }
    client.on('data', onData)
    client.write(bytes)
  })
  return performance.now() - start
}

export async function connected(port: number): Promise<Socket> {
  const s = await connectTo(port)
  s.on('error', () => {})
  return s
}

/** The id of the proxy's only (or last) connection. */
export async function lastConnId(engine: Engine): Promise<number> {
  const conn = await waitFor(() => engine.capture.connections().filter((c) => c.kind === 'proxy').at(-1), 'a proxied connection')
  return conn.id
}

/** The messages of a connection's `fault` records. */
export async function faultMessages(engine: Engine, connId: number): Promise<string[]> {
  return (await faultInfos(engine, connId)).map((info) => String(info.message))
}

/** The `fault` records' payloads: the message and the effect and numbers a front end words it from. */
export async function faultInfos(engine: Engine, connId: number): Promise<Array<Record<string, unknown>>> {
  return (await eventsOf(engine, connId)).filter((e) => e.kind === 'fault').map((e) => e.info ?? {})
}

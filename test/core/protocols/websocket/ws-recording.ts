// A real `ws` conversation recorded as a proxy records it: a loopback TCP relay between a
// ws client and a ws WebSocketServer keeps both directions' chunks in the order they came,
// and the helpers below feed them to a WebSocketDecoder from after the upgrade's heads.

import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer, type ClientOptions, type ServerOptions } from 'ws'
import type { Direction } from '../../../../src/shared/capture-types'
import type { DecodeProblem, WsMessage } from '../../../../src/shared/protocol-types'
import { WebSocketDecoder, parseWsExtensions, type WsDecoderOptions } from '../../../../src/core/protocols/websocket/ws-decoder'
import { inflateRaw } from '../../../../src/core/http/inflate-raw'

export interface Chunk {
  dir: Direction
  offset: number
  bytes: Uint8Array
  time: number
}

export interface Recording {
  chunks: Chunk[]
  /** Where each direction's frames start: after the GET's head and the 101's. */
  start: Record<Direction, number>
  /** The 101's Sec-WebSocket-Extensions. */
  extensions?: string
}

export interface Peers {
  client: WebSocket
  server: WebSocket
  /** Resolves with the next message `side` receives. */
  received(side: 'client' | 'server'): Promise<{ data: Buffer; binary: boolean }>
}

/** Runs `script` between a ws client and server through a recording relay, and returns what went over the wire. */
export async function recordConversation(
  options: { server?: ServerOptions; client?: ClientOptions },
  script: (peers: Peers) => Promise<void>
): Promise<Recording> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options.server })
  await new Promise<void>((resolve) => wss.once('listening', resolve))
  const wsPort = (wss.address() as AddressInfo).port
  const chunks: Chunk[] = []
  const offsets: Record<Direction, number> = { client: 0, server: 0 }
  const record = (dir: Direction, data: Buffer): void => {
    chunks.push({ dir, offset: offsets[dir], bytes: new Uint8Array(data), time: Date.now() })
    offsets[dir] += data.length
  }
  let relayDone!: () => void
  const relayClosed = new Promise<void>((resolve) => (relayDone = resolve))
  const relay = net.createServer((down) => {
    const up = net.connect(wsPort, '127.0.0.1')
    let open = 2
    const closed = (): void => {
      if (--open === 0) relayDone()
    }
    down.on('data', (d) => {
      record('client', d)
      up.write(d)
    })
    up.on('data', (d) => {
      record('server', d)
      down.write(d)
    })
    down.on('end', () => up.end())
    up.on('end', () => down.end())
    down.on('close', closed)
    up.on('close', closed)
    down.on('error', () => up.destroy())
    up.on('error', () => down.destroy())
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  const relayPort = (relay.address() as AddressInfo).port

  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${relayPort}/chat`, options.client)
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve)
      client.once('error', reject)
    })
    const server = await serverSide
    const inbox = { client: queue(client), server: queue(server) }
    await script({ client, server, received: (side) => inbox[side].next() })
    await relayClosed
  } finally {
    client.terminate()
    relay.close()
    wss.close()
  }

  const text = (dir: Direction): string => Buffer.concat(chunks.filter((c) => c.dir === dir).map((c) => c.bytes)).toString('latin1')
  const response = text('server')
  const start = { client: text('client').indexOf('\r\n\r\n') + 4, server: response.indexOf('\r\n\r\n') + 4 }
  const head = response.slice(0, start.server)
  const extensions = /^sec-websocket-extensions:\s*(.*)\r$/im.exec(head)?.[1]
  return { chunks, start, extensions }
}

function queue(ws: WebSocket): { next(): Promise<{ data: Buffer; binary: boolean }> } {
  const arrived: Array<{ data: Buffer; binary: boolean }> = []
  const waiting: Array<(m: { data: Buffer; binary: boolean }) => void> = []
  ws.on('message', (data: Buffer, binary: boolean) => {
    const m = { data, binary }
    const w = waiting.shift()
    if (w) w(m)
    else arrived.push(m)
  })
  return {
    next: () => {
      const m = arrived.shift()
      return m ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve))
    }
  }
}

/** The decoder as the connection decoder builds it after this recording's 101. */
export function decoderOptions(rec: Recording, extra: Partial<WsDecoderOptions> = {}): WsDecoderOptions {
  return { start: rec.start, deflate: parseWsExtensions(rec.extensions), inflateRaw, ...extra }
}

export interface Decoded {
  messages: WsMessage[]
  problems: DecodeProblem[]
  decoder: WebSocketDecoder
}

/** Feeds the chunks (each split where `split` says) and ends both directions; messages are upserted by index, as the engine does. */
export function decode(rec: Recording, opts: WsDecoderOptions, chunks: Chunk[] = rec.chunks): Decoded {
  const decoder = new WebSocketDecoder(opts)
  const byIndex = new Map<number, WsMessage>()
  const problems: DecodeProblem[] = []
  const take = (): void => {
    const changes = decoder.takeChanges()
    for (const m of changes.messages) byIndex.set(m.index, m)
    problems.push(...changes.problems)
  }
  for (const c of chunks) {
    decoder.push(c.dir, c.bytes, c.offset, c.time)
    take()
  }
  const last = chunks.at(-1)?.time ?? 0
  decoder.end('client', last)
  decoder.end('server', last)
  take()
  return { messages: [...byIndex.values()].sort((a, b) => a.index - b.index), problems, decoder }
}

/** A message's whole payload, read the way ws.payload does: a replay that keeps one window. */
export function replayPayload(rec: Recording, index: number, from = 0, length = 1 << 30): ReturnType<WebSocketDecoder['keptPayload']> {
  const decoder = new WebSocketDecoder(decoderOptions(rec, { keepPayload: { index, from, length } }))
  for (const c of rec.chunks) {
    if (c.offset + c.bytes.length <= decoder.wantFrom(c.dir)) continue
    decoder.push(c.dir, c.bytes, c.offset, c.time)
  }
  decoder.end('client', 0)
  decoder.end('server', 0)
  return decoder.keptPayload()
}

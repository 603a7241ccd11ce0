// pcapng of a capture (or some of its connections), for Wireshark and tshark: every
// connection as the TCP packets a sniffer would have seen, both legs of a proxied one with
// their real addresses (the client to the proxy's listening address, which the owner
// records keep; the proxy's upstream socket to the target), times as recorded. Written
// connection by connection, in the order each connection's records were captured, a
// segment at a time: memory holds one segment's bytes, never a stream.

import type { CaptureEvent, ConnectionSummary, Direction, PeerAddress } from '../../shared/capture-types'
import { parseEndpoint } from '../../shared/endpoint'
import type { CaptureView } from '../capture/capture-queries'
import type { OwnerRecord } from '../capture/capture-index'
import type { ExportProgress } from './export-progress'
import type { BatchedSink } from './export-sink'
import { ipBytes, TcpFlow, type FlowEnd, type Micros } from './tcp-synth'

const LINKTYPE_ETHERNET = 1
const EVENT_PAGE = 1000
const MAC_A = Buffer.from([0x02, 0, 0, 0, 0, 0x01])
const MAC_B = Buffer.from([0x02, 0, 0, 0, 0, 0x02])
/** Stand-ins for what has no IP address: a Unix socket's listening end, and its clients. */
const UNIX_SERVER_IP = '127.0.0.2'
const UNIX_CLIENT_IP = '127.0.0.3'

/** A pcapng option: code, length, value padded to 4 bytes. */
function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + ((value.length + 3) & ~3))
  b.writeUInt16LE(code, 0)
  b.writeUInt16LE(value.length, 2)
  value.copy(b, 4)
  return b
}

function block(type: number, body: Buffer): Buffer {
  const b = Buffer.alloc(12 + body.length)
  b.writeUInt32LE(type, 0)
  b.writeUInt32LE(b.length, 4)
  body.copy(b, 8)
  b.writeUInt32LE(b.length, b.length - 4)
  return b
}

/** The Section Header Block and the one Ethernet interface every packet is on. */
export function pcapngHead(comments: string[]): Buffer {
  const shb = Buffer.alloc(16)
  shb.writeUInt32LE(0x1a2b3c4d, 0)
  shb.writeUInt16LE(1, 4)
  shb.writeUInt16LE(0, 6)
  // Section length unknown: the file is streamed.
  shb.writeInt32LE(-1, 8)
  shb.writeInt32LE(-1, 12)
  const shbOptions = [...comments.map((c) => option(1, Buffer.from(c, 'utf8'))), option(4, Buffer.from('tcpscope', 'utf8')), Buffer.alloc(4)]
  const idb = Buffer.alloc(8)
  idb.writeUInt16LE(LINKTYPE_ETHERNET, 0)
  idb.writeUInt32LE(0, 4)
  const idbOptions = [option(2, Buffer.from('tcpscope', 'utf8')), option(9, Buffer.from([6])), Buffer.alloc(4)]
  return Buffer.concat([block(0x0a0d0d0a, Buffer.concat([shb, ...shbOptions])), block(1, Buffer.concat([idb, ...idbOptions]))])
}

/** What the file says about how it was made, and about any address made up. */
function headComments(unix: boolean, unknownListen: boolean): string[] {
  const c = ['Made by tcpscope from a capture: each TCP packet is synthesized from the recorded bytes, with the recorded addresses, ports and times; sequence numbers, MAC addresses and packet boundaries are made up.']
  if (unix) c.push(`Unix-socket connections are shown on made-up loopback addresses: ${UNIX_SERVER_IP} for the listening socket, ${UNIX_CLIENT_IP} for its clients.`)
  if (unknownListen) c.push(`Where the capture does not say where a proxy listened (a file saved before tcpscope kept its owner records), ${UNIX_SERVER_IP} port 1 stands in for it.`)
  return c
}

interface Addressing {
  owners: Map<string, OwnerRecord>
  /** A port per Unix socket path, made up in the order met. */
  unixPorts: Map<string, number>
  unix: boolean
  unknownListen: boolean
}

const flowEnd = (ip: Buffer, port: number, mac: Buffer): FlowEnd => ({ ip, port, mac })

function unixServerEnd(path: string, a: Addressing): FlowEnd {
  a.unix = true
  let port = a.unixPorts.get(path)
  if (port === undefined) {
    port = 10_000 + (a.unixPorts.size % 50_000)
    a.unixPorts.set(path, port)
  }
  return flowEnd(ipBytes(UNIX_SERVER_IP)!, port, MAC_B)
}

function unixClientEnd(connId: number, a: Addressing): FlowEnd {
  a.unix = true
  return flowEnd(ipBytes(UNIX_CLIENT_IP)!, 1024 + (connId % 60_000), MAC_A)
}

/** A recorded peer as a flow end; undefined when it has no usable address. */
function peerEnd(p: PeerAddress | undefined, mac: Buffer): FlowEnd | undefined {
  if (p === undefined || 'path' in p) return undefined
  const ip = ipBytes(p.address)
  return ip === undefined ? undefined : flowEnd(ip, p.port & 0xffff, mac)
}

/** Where the connection's owner listened, as a flow end. */
function listenEnd(c: ConnectionSummary, a: Addressing): FlowEnd {
  const listen = a.owners.get(c.ownerId)?.listen ?? (c.kind === 'server' ? c.target : undefined)
  if (listen === undefined) {
    a.unknownListen = true
    return flowEnd(ipBytes(UNIX_SERVER_IP)!, 1, MAC_B)
  }
  try {
    const e = parseEndpoint(listen)
    if (e.kind === 'unix') return unixServerEnd(e.path, a)
    const ip = ipBytes(e.host)
    if (ip !== undefined) return flowEnd(ip, e.port, MAC_B)
  } catch {
    // Not HOST:PORT: a Unix socket path of another form.
  }
  return unixServerEnd(listen, a)
}

/** Made-up initial sequence numbers, the same for a connection every time it is exported. */
const isn = (connId: number, leg: number, side: number): number => (Math.imul(connId + 1, 2654435761) ^ Math.imul(leg * 2 + side + 1, 0x9e3779b9)) >>> 0

/** One leg of a connection: a TCP flow, and where it stands. */
class Leg {
  open = false
  /** Client bytes already sent on this leg (the upstream leg sends what arrived before it connected once it does). */
  sent = 0
  readonly finished: [boolean, boolean] = [false, false]
  closed = false

  constructor(
    readonly flow: TcpFlow,
    /** The upstream leg opens at the `connected` record; the client's at `open`. */
    readonly opensAt: 'open' | 'connected'
  ) {}

  fin(side: 0 | 1, at: Micros): void {
    if (!this.open || this.closed || this.finished[side]) return
    this.flow.fin(side, at)
    this.finished[side] = true
    // The stack answering a FIN: after the second one, its sender's FIN is acknowledged too.
    this.flow.ack(side === 0 ? 1 : 0, at)
  }

  reset(side: 0 | 1, at: Micros): void {
    if (!this.open || this.closed) return
    this.flow.reset(side, at)
    this.closed = true
  }
}

function legsOf(c: ConnectionSummary, a: Addressing, emit: (b: Buffer) => void): Leg[] {
  const legs: Leg[] = []
  const clientLeg = (): void => {
    const client = peerEnd(c.client, MAC_A) ?? unixClientEnd(c.id, a)
    const server = listenEnd(c, a)
    legs.push(new Leg(new TcpFlow(client, server, isn(c.id, 0, 0), isn(c.id, 0, 1), emit), 'open'))
  }
  const upstreamLeg = (): void => {
    const local = peerEnd(c.upstream?.local, MAC_A)
    const remote = peerEnd(c.upstream?.remote, MAC_B)
    let ends: [FlowEnd, FlowEnd] | undefined
    if (local !== undefined && remote !== undefined) ends = [local, remote]
    else if (c.upstream?.remote !== undefined && 'path' in c.upstream.remote) ends = [unixClientEnd(c.id, a), unixServerEnd(c.upstream.remote.path, a)]
    else if (c.upstream !== undefined) {
      try {
        const e = parseEndpoint(c.target)
        if (e.kind === 'unix') ends = [unixClientEnd(c.id, a), unixServerEnd(e.path, a)]
      } catch {
        // No address for this leg: it is left out.
      }
    }
    if (ends) legs.push(new Leg(new TcpFlow(ends[0], ends[1], isn(c.id, 1, 0), isn(c.id, 1, 1), emit), 'connected'))
  }
  if (c.kind === 'proxy' || c.kind === 'server') clientLeg()
  if (c.kind === 'proxy' || c.kind === 'client') upstreamLeg()
  return legs
}

/** The connection's summaries to export (every one when `ids` is absent), and what they hold. */
async function selected(view: CaptureView, ids: readonly number[] | undefined): Promise<{ conns: ConnectionSummary[]; bytes: number }> {
  const conns = ids === undefined ? await view.listConnections() : (await Promise.all(ids.map((id) => view.connection(id)))).filter((c): c is ConnectionSummary => c !== undefined)
  let bytes = 0
  for (const c of conns) bytes += (c.recorded ?? c.bytes).client + (c.recorded ?? c.bytes).server
  return { conns, bytes }
}

/** Payload bytes the export will write (progress counts these). */
export async function pcapngSize(view: CaptureView, ids: readonly number[] | undefined): Promise<number> {
  return (await selected(view, ids)).bytes
}

export async function writePcapng(view: CaptureView, ids: readonly number[] | undefined, sink: BatchedSink, progress: ExportProgress): Promise<void> {
  const { conns } = await selected(view, ids)
  const a: Addressing = { owners: new Map((await view.owners()).map((o) => [o.id, o])), unixPorts: new Map(), unix: false, unknownListen: false }
  // The head's comments must say whether any address was made up, before the first packet.
  for (const c of conns) legsOf(c, a, () => undefined)
  await sink.write(pcapngHead(headComments(a.unix, a.unknownListen)))
  for (const c of conns) {
    progress.checkCancelled()
    await writeConnection(view, c, a, sink, progress)
  }
  await sink.flush()
}

async function writeConnection(view: CaptureView, c: ConnectionSummary, a: Addressing, sink: BatchedSink, progress: ExportProgress): Promise<void> {
  const pending: Buffer[] = []
  const legs = legsOf(c, a, (b) => pending.push(b))
  if (legs.length === 0) return
  const drain = async (): Promise<void> => {
    for (const b of pending.splice(0)) await sink.write(b)
  }
  const step = Math.min(...legs.map((l) => l.flow.maxPayload))
  let base: number | undefined
  let clientBytes = 0
  const micros = (e: CaptureEvent): Micros => {
    // Wall time for the date, the monotonic clock for the sub-millisecond order within it.
    base ??= e.time - e.mono
    return Math.max(0, Math.round((base + e.mono) * 1000))
  }
  /** Client bytes [from, to) onto a leg, a segment at a time. */
  const send = async (leg: Leg, dir: Direction, from: number, to: number, at: Micros): Promise<void> => {
    for (let pos = from; pos < to; pos += step) {
      const bytes = await view.readBytes(c.id, dir, pos, Math.min(step, to - pos))
      if (bytes.length === 0) break
      leg.flow.data(dir === 'client' ? 0 : 1, at, bytes)
      await drain()
    }
  }
  for (let from = 0; ; from += EVENT_PAGE) {
    const events = await view.readEvents(c.id, from, EVENT_PAGE)
    for (const e of events) {
      progress.checkCancelled()
      const at = micros(e)
      const side = e.dir === 'server' ? 1 : 0
      switch (e.kind) {
        case 'open':
        case 'connected':
          for (const leg of legs) {
            if (leg.opensAt !== e.kind || leg.open) continue
            leg.flow.handshake(at)
            leg.open = true
            // What the client sent before the upstream connect goes as soon as it is made.
            if (leg.sent < clientBytes) await send(leg, 'client', leg.sent, clientBytes, at)
            leg.sent = clientBytes
          }
          break
        case 'data': {
          const dir = e.dir ?? 'client'
          const start = e.offset ?? 0
          const end = start + (e.length ?? 0)
          // The proxy passes bytes on after it got them: the sender's leg comes first.
          const order = dir === 'client' ? legs : [...legs].reverse()
          for (const leg of order) {
            if (!leg.open) continue
            if (dir === 'client') {
              await send(leg, dir, Math.max(leg.sent, start), end, at)
              leg.sent = Math.max(leg.sent, end)
            } else await send(leg, dir, start, end, at)
          }
          if (dir === 'client') clientBytes = Math.max(clientBytes, end)
          progress.step(end - start)
          break
        }
        case 'fin':
          for (const leg of side === 0 ? legs : [...legs].reverse()) leg.fin(side, at)
          break
        case 'reset':
          for (const leg of side === 0 ? legs : [...legs].reverse()) leg.reset(side, at)
          break
      }
      await drain()
    }
    if (events.length < EVENT_PAGE) break
  }
  await drain()
}

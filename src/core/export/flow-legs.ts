// Where a connection's packets go in a pcapng: one TCP flow per leg (the client to where
// its proxy or server session listened, the upstream socket to its target), at the real
// addresses; what has none (a Unix socket) gets a made-up loopback address, and the file
// says so. The made-up numbers are the same every time a connection is exported.

import type { ConnectionSummary, PeerAddress } from '../../shared/capture-types'
import { parseEndpoint } from '../../shared/endpoint'
import type { OwnerRecord } from '../capture/format/record-payloads'
import { ipBytes, TcpFlow, type FlowEnd, type Micros } from './tcp-synth'

const MAC_A = Buffer.from([0x02, 0, 0, 0, 0, 0x01])
const MAC_B = Buffer.from([0x02, 0, 0, 0, 0, 0x02])
/** Stand-ins for what has no IP address: a Unix socket's listening end, and its clients. */
export const UNIX_SERVER_IP = '127.0.0.2'
export const UNIX_CLIENT_IP = '127.0.0.3'

export interface Addressing {
  owners: Map<string, OwnerRecord>
  /** A port per Unix socket path, made up in the order met. */
  unixPorts: Map<string, number>
  unix: boolean
  unknownListen: boolean
  /** A client leg goes to a wildcard listening address (the one that answered is not recorded). */
  wildcardListen: boolean
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

/**
 * The address that answered on a wildcard listener (0.0.0.0, ::): the recording does not
 * say, but a loopback client reached it on loopback. Otherwise the wildcard stays, and the
 * file says why.
 */
function answeringAddress(c: ConnectionSummary, wildcard: Buffer, a: Addressing): Buffer {
  const client = c.client !== undefined && 'address' in c.client ? c.client.address.replace(/^::ffff:/, '') : ''
  if (client.startsWith('127.')) return ipBytes('127.0.0.1')!
  if (client === '::1') return ipBytes('::1')!
  a.wildcardListen = true
  return wildcard
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
    if (ip !== undefined) return flowEnd(ip.every((b) => b === 0) ? answeringAddress(c, ip, a) : ip, e.port, MAC_B)
  } catch {
    // Not HOST:PORT: a Unix socket path of another form.
  }
  return unixServerEnd(listen, a)
}

/** Made-up initial sequence numbers, the same for a connection every time it is exported. */
const isn = (connId: number, leg: number, side: number): number => (Math.imul(connId + 1, 2654435761) ^ Math.imul(leg * 2 + side + 1, 0x9e3779b9)) >>> 0

/** One leg of a connection: a TCP flow, and where it stands. */
export class Leg {
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
    // The other end's stack acknowledges a FIN at once, as a sniffer would see it do.
    this.flow.ack(side === 0 ? 1 : 0, at)
  }

  reset(side: 0 | 1, at: Micros): void {
    if (!this.open || this.closed) return
    this.flow.reset(side, at)
    this.closed = true
  }
}

export function legsOf(c: ConnectionSummary, a: Addressing, emit: (b: Buffer) => void): Leg[] {
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

// pcapng of a capture (or some of its connections), for Wireshark and tshark: every
// connection as the TCP packets a sniffer would have seen, both legs of a proxied one with
// their real addresses (the client to the proxy's listening address, which the owner
// records keep; the proxy's upstream socket to the target), times as recorded. Packets
// come in time order across connections, each connection's in the order its records were
// captured, a segment at a time: memory holds a page of events per open connection and
// one segment's bytes, never a stream.

import type { ConnectionSummary } from '../../shared/capture-types'
import { tlsTerminated } from '../../shared/http-scheme'
import type { CaptureView } from '../capture/query/capture-queries'
import { ConnectionPackets } from './connection-packets'
import type { ExportProgress } from './export-progress'
import type { BatchedSink } from './export-sink'
import { legsOf, UNIX_SERVER_IP, UNIX_CLIENT_IP, type Addressing } from './flow-legs'
import { MinHeap } from './min-heap'
import type { Micros } from './tcp-synth'

const LINKTYPE_ETHERNET = 1

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
function headComments({ unix, unknownListen, wildcardListen }: Addressing): string[] {
  const c = ['Made by tcpscope from a capture: each TCP packet is synthesized from the recorded bytes, with the recorded addresses, ports and times; sequence numbers, MAC addresses and packet boundaries are made up.']
  if (unix) c.push(`Unix-socket connections are shown on made-up loopback addresses: ${UNIX_SERVER_IP} for the listening socket, ${UNIX_CLIENT_IP} for its clients.`)
  if (wildcardListen) c.push('A proxy listening on every address (0.0.0.0 or ::) shows as that address where the capture does not say which one a client reached.')
  if (unknownListen) c.push(`Where the capture does not say where a proxy listened (a file saved before tcpscope kept its owner records), ${UNIX_SERVER_IP} port 1 stands in for it.`)
  return c
}

/** Connections named in the TLS comment; the rest are counted. */
const NAMED_TLS = 20

/**
 * What the file says of connections whose TLS tcpscope terminated: the capture holds their
 * decrypted bytes, so their packets carry those, as plain TCP would (keys would not help:
 * the TLS records were never recorded).
 */
export function tlsComment(conns: readonly ConnectionSummary[]): string | undefined {
  const ids = conns.filter((c) => tlsTerminated(c.tls)).map((c) => `#${c.id}`)
  if (ids.length === 0) return undefined
  const named = ids.length > NAMED_TLS ? `${ids.slice(0, NAMED_TLS).join(', ')} and ${ids.length - NAMED_TLS} more` : ids.join(', ')
  const which = ids.length === 1 ? `Connection ${named} carried` : `Connections ${named} carried`
  return `${which} TLS that tcpscope terminated: their packets hold the decrypted bytes, exactly as the two applications exchanged them, as plain TCP (no TLS handshake or records).`
}

/** Wall time (ms) at the capture's monotonic 0, from the first record: every packet's time is this plus its record's monotonic time. */
async function clockBase(view: CaptureView, first: ConnectionSummary): Promise<number> {
  const [e] = await view.readEvents(first.id, 0, 1)
  return e === undefined ? first.openedAt : e.time - e.mono
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
  conns.sort((a, b) => a.openedAt - b.openedAt || a.id - b.id)
  const a: Addressing = { owners: new Map((await view.owners()).map((o) => [o.id, o])), unixPorts: new Map(), unix: false, unknownListen: false, wildcardListen: false }
  // The head's comments must say whether any address was made up, before the first packet.
  for (const c of conns) legsOf(c, a, () => undefined)
  const tls = tlsComment(conns)
  await sink.write(pcapngHead([...headComments(a), ...(tls !== undefined ? [tls] : [])]))
  if (conns.length === 0) return sink.flush()
  const base = await clockBase(view, conns[0])
  // Connections interleaved by time, as a sniffer saw them: the next packet is always the
  // earliest event of the connections open by then. Ties keep each connection's order.
  const open = new MinHeap<{ at: Micros; seq: number; packets: ConnectionPackets }>((x, y) => x.at - y.at || x.seq - y.seq)
  let seq = 0
  let next = 0
  const enter = async (packets: ConnectionPackets): Promise<void> => {
    const at = await packets.next()
    if (at !== undefined) open.push({ at, seq: seq++, packets })
  }
  while (next < conns.length || open.size > 0) {
    progress.checkCancelled()
    // A connection joins when it opened no later than the earliest pending event.
    const head = open.peek()
    // openedAt is whole ms of wall time, the packets' clock the monotonic one: a little
    // early is harmless (its first event waits in the heap), late would reorder.
    if (next < conns.length && (head === undefined || (conns[next].openedAt - 2) * 1000 <= head.at)) {
      await enter(new ConnectionPackets(view, conns[next++], a, base))
      continue
    }
    const top = open.pop()!
    await top.packets.write(sink, progress)
    await enter(top.packets)
  }
  await sink.flush()
}

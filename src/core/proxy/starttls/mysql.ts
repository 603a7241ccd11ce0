// MySQL's (and MariaDB's) opening: the server's first packet is its initial handshake
// (protocol 10) with its capability flags; a server that advertises CLIENT_SSL may get, as
// the client's first packet (sequence 1), a 32-byte SSLRequest with CLIENT_SSL set, after
// which both sides speak TLS with no answer in between. A full HandshakeResponse instead
// means the client stays in the clear.

import type { Direction } from '../../../shared/direction'
import { OVER, WATCH, switchAt, type Opening, type Step } from './opening'

const PROTOCOL_10 = 0x0a
const CLIENT_SSL = 0x0800
const SSL_REQUEST_LENGTH = 32
const HEADER = 4
/** A server's handshake packet is ~80 bytes; past this it is no handshake worth waiting for. */
const MAX_GREETING = 1024

/** Whether a server's first bytes may be a MySQL handshake: 'need-more' while too short to tell. */
export function mysqlGreeting(head: Buffer): 'mysql' | 'need-more' | undefined {
  if (head.length < HEADER + 1) {
    // A length that is no handshake's, or a sequence other than 0, settles it early.
    if (head.length >= 4 && head[3] !== 0) return undefined
    return 'need-more'
  }
  const length = head.readUIntLE(0, 3)
  return head[3] === 0 && head[HEADER] === PROTOCOL_10 && length > 0 && length <= MAX_GREETING ? 'mysql' : undefined
}

/** The lower capability flags of a whole protocol-10 handshake packet, or undefined. */
function serverCapabilities(packet: Buffer): number | undefined {
  // protocol (1), server version (NUL-terminated), connection id (4), auth data (8), filler (1), capabilities (2)
  const nul = packet.indexOf(0, HEADER + 1)
  if (nul === -1) return undefined
  const at = nul + 1 + 4 + 8 + 1
  return at + 2 <= packet.length ? packet.readUInt16LE(at) : undefined
}

export class MysqlOpening implements Opening {
  readonly protocol = 'mysql'
  /** The SSL request has no answer: TLS follows it at once. */
  readonly waiting = false
  private greeting: Buffer = Buffer.alloc(0)
  private offersTls = false
  private request: Buffer = Buffer.alloc(0)

  see(dir: Direction, chunk: Buffer): Step {
    return dir === 'server' ? this.fromServer(chunk) : this.fromClient(chunk)
  }

  private fromServer(chunk: Buffer): Step {
    if (this.offersTls) return OVER
    this.greeting = Buffer.concat([this.greeting, chunk])
    if (this.greeting.length < HEADER) return WATCH
    const whole = HEADER + this.greeting.readUIntLE(0, 3)
    if (this.greeting.length < whole) return WATCH
    const caps = serverCapabilities(this.greeting.subarray(0, whole))
    this.greeting = Buffer.alloc(0)
    if (caps === undefined || (caps & CLIENT_SSL) === 0) return OVER
    this.offersTls = true
    return WATCH
  }

  private fromClient(chunk: Buffer): Step {
    if (!this.offersTls) return OVER
    this.request = Buffer.concat([this.request, chunk])
    if (this.request.length < HEADER) return WATCH
    const length = this.request.readUIntLE(0, 3)
    if (this.request[3] !== 1 || length !== SSL_REQUEST_LENGTH) return OVER
    if (this.request.length < HEADER + length) return WATCH
    if ((this.request.readUInt32LE(HEADER) & CLIENT_SSL) === 0) return OVER
    // The request is the chunk's tail, however it came split.
    const end = chunk.length - (this.request.length - HEADER - length)
    return switchAt('client', chunk, end, 'the client')
  }
}

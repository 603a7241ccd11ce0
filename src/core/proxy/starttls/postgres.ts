// PostgreSQL's opening (protocol v3, "SSL Session Encryption"): the client's first message
// is a StartupMessage (the connection stays in the clear), or an SSLRequest (int32 length 8, int32 80877103); the server answers one byte, `S`
// (TLS follows) or `N` (go on in the clear). A GSSENCRequest (80877104) asks for GSSAPI
// encryption, which tcpscope cannot see through: intercepting, it answers `N` itself as a
// server without GSSAPI would, and the client goes on (to an SSLRequest or in the clear);
// passing through, the server answers and a `G` ends the look.

import type { Direction } from '../../../shared/direction'
import { OVER, WATCH, switchAt, type Opening, type OpeningMode, type Step } from './opening'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
/** The StartupMessage's protocol version 3.0: the client goes on in the clear. */
const PROTOCOL_3 = 196608
const REQUEST_LENGTH = 8
/** A StartupMessage (user, database, options) longer than this is no client's (libpq caps it at 10000). */
const MAX_STARTUP = 10_000

type Request = 'ssl' | 'gss' | 'startup'

/**
 * What the client's first message is: an SSLRequest, a GSSENCRequest or a StartupMessage
 * (in the clear); undefined for anything else, 'need-more' while it may still be one.
 */
export function postgresRequest(head: Buffer): Request | 'need-more' | undefined {
  // A message length starts with a zero byte (under 16 MiB): anything else is no PostgreSQL client's.
  if (head.length < REQUEST_LENGTH) return head.length === 0 || head[0] === 0 ? 'need-more' : undefined
  const length = head.readInt32BE(0)
  const code = head.readInt32BE(4)
  if (length === REQUEST_LENGTH && code === SSL_REQUEST) return 'ssl'
  if (length === REQUEST_LENGTH && code === GSSENC_REQUEST) return 'gss'
  if (code === PROTOCOL_3 && length > REQUEST_LENGTH && length <= MAX_STARTUP) return 'startup'
  return undefined
}

const GSS_REFUSED = Buffer.from('N')

export class PostgresOpening implements Opening {
  readonly protocol = 'postgres'
  /** The request the server (or tcpscope) has yet to answer. */
  private asked: Request | undefined
  private head: Buffer = Buffer.alloc(0)

  constructor(private readonly mode: OpeningMode) {}

  get waiting(): boolean {
    return this.asked !== undefined
  }

  see(dir: Direction, chunk: Buffer): Step {
    return dir === 'client' ? this.fromClient(chunk) : this.fromServer(chunk)
  }

  private fromClient(chunk: Buffer): Step {
    if (this.asked !== undefined) return { kind: 'bad', dir: 'client', message: `the client sent more before the answer to its ${this.asked === 'ssl' ? 'SSLRequest' : 'GSSENCRequest'}: closed` }
    this.head = Buffer.concat([this.head, chunk])
    const request = postgresRequest(this.head)
    if (request === 'need-more') return WATCH
    if (request === undefined || request === 'startup') return OVER
    if (this.head.length > REQUEST_LENGTH) return { kind: 'bad', dir: 'client', message: `the client sent ${this.head.length - REQUEST_LENGTH} byte(s) after its ${request === 'ssl' ? 'SSLRequest' : 'GSSENCRequest'}, before the answer: closed` }
    this.head = Buffer.alloc(0)
    if (request === 'gss' && this.mode.intercept) {
      return { kind: 'answer', bytes: GSS_REFUSED, message: "tcpscope answered the client's GSSENCRequest with N (no GSSAPI encryption), as a server without it would" }
    }
    this.asked = request
    return WATCH
  }

  private fromServer(chunk: Buffer): Step {
    const asked = this.asked
    if (asked === undefined) return OVER
    this.asked = undefined
    const answer = String.fromCharCode(chunk[0])
    if (asked === 'gss') return answer === 'N' && chunk.length === 1 ? WATCH : OVER
    if (answer === 'S') return switchAt('server', chunk, 1, 'the target')
    if (answer === 'N') return { kind: 'over', note: 'the target refused TLS (it answered N to the SSLRequest): the client was told the same, and goes on in the clear or gives up' }
    return OVER
  }
}

// PostgreSQL's opening (protocol v3, "SSL Session Encryption"): the client's first message
// may be an SSLRequest (int32 length 8, int32 80877103); the server answers one byte, `S`
// (TLS follows) or `N` (go on in the clear). A GSSENCRequest (80877104) asks for GSSAPI
// encryption, which tcpscope cannot see through: intercepting, it answers `N` itself as a
// server without GSSAPI would, and the client goes on (to an SSLRequest or in the clear);
// passing through, the server answers and a `G` ends the look.

import type { Direction } from '../../../shared/direction'
import { OVER, WATCH, switchAt, type Opening, type OpeningMode, type Step } from './opening'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const REQUEST_LENGTH = 8

type Request = 'ssl' | 'gss'

/** What the client's first bytes are: an SSLRequest or GSSENCRequest, undefined for anything else, 'need-more' while it may still be one. */
export function postgresRequest(head: Buffer): Request | 'need-more' | undefined {
  const n = Math.min(head.length, REQUEST_LENGTH)
  const want = Buffer.alloc(REQUEST_LENGTH)
  want.writeInt32BE(REQUEST_LENGTH, 0)
  want.writeInt32BE(SSL_REQUEST, 4)
  // The two codes differ in the last byte only.
  if (head.subarray(0, Math.min(n, 7)).compare(want.subarray(0, Math.min(n, 7))) !== 0) return undefined
  if (n < REQUEST_LENGTH) return 'need-more'
  const code = head.readInt32BE(4)
  return code === SSL_REQUEST ? 'ssl' : code === GSSENC_REQUEST ? 'gss' : undefined
}

const GSS_REFUSED = Buffer.from('N')

export class PostgresOpening implements Opening {
  readonly protocol = 'postgres'
  /** The request the server (or tcpscope) has yet to answer. */
  private asked: Request | undefined
  private head: Buffer = Buffer.alloc(0)

  constructor(private readonly mode: OpeningMode) {}

  see(dir: Direction, chunk: Buffer): Step {
    return dir === 'client' ? this.fromClient(chunk) : this.fromServer(chunk)
  }

  private fromClient(chunk: Buffer): Step {
    if (this.asked !== undefined) return { kind: 'bad', dir: 'client', message: `the client sent more before the answer to its ${this.asked === 'ssl' ? 'SSLRequest' : 'GSSENCRequest'}: closed` }
    this.head = Buffer.concat([this.head, chunk])
    const request = postgresRequest(this.head)
    if (request === 'need-more') return WATCH
    if (request === undefined) return OVER
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

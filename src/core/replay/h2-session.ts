// One HTTP/2 session of a replay, over a connection opened as every replay's is
// (connectReplay: connect-target.ts, TLS included, recorded in the live capture). TLS asks
// for ALPN h2 and must get it; cleartext is h2c with prior knowledge. node:http2 is handed a
// stream over the connected socket rather than the socket itself: given a socket, it reads
// and writes its handle natively and the replay's recording would see none of the bytes.
// Through ReplayLink every byte is recorded as the client's or the server's, every write
// waits for the socket to drain (and gives up on a target that reads nothing), and the
// capture writer's hold pauses reading, as for HTTP/1 replay.

import type { ClientHttp2Session } from 'node:http2'
import { nodeHttp2 } from '../lazy-builtins'
import { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Endpoint } from '../../shared/endpoint'
import { formatEndpoint } from '../../shared/endpoint'
import type { ConnectionEnd } from '../../shared/capture-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { UserError } from '../net/net-errors'
import type { TlsConnect } from '../net/target/connect-target'
import { connectReplay, ReplayLink, type ReplayRecording } from './raw-replay'

/** A response header block decoded past this is refused (the HTTP/2 decoder's own bound). */
export const MAX_H2_REPLAY_HEADER_LIST = 256 * 1024
/** Header fields a response may have (node:http2's default of 128 turns away real APIs' answers). */
const MAX_HEADER_PAIRS = 2000
/** How long a GOAWAY's close may take before the connection is closed under it. */
const CLOSE_WAIT_MS = 1000

export interface H2SessionOptions {
  target: Endpoint
  tls?: TlsConnect
  connectTimeoutMs?: number
  /** How long a write waits for a target that reads nothing. */
  timeoutMs?: number
  signal?: AbortSignal
  record?: ReplayRecording
}

export class H2ReplaySession {
  private constructor(
    readonly session: ClientHttp2Session,
    readonly link: ReplayLink,
    readonly rec: RecordedConnection | undefined,
    readonly where: string
  ) {}

  /** Connects (TLS with ALPN h2 when `tls`) and starts the session; a target that will not speak HTTP/2 over TLS is refused in one line. */
  static async open(opts: H2SessionOptions): Promise<H2ReplaySession> {
    const tls = opts.tls === undefined ? undefined : { ...opts.tls, alpn: ['h2'] }
    const { socket, rec, where } = await connectReplay({ ...opts, tls })
    const link = new ReplayLink(socket, rec, opts.record?.hold, opts.signal, opts.timeoutMs)
    const alpn = tls === undefined ? 'h2' : (socket as TLSSocket).alpnProtocol
    if (alpn !== 'h2') {
      await link.close('closed')
      throw new UserError(`${where} did not agree to HTTP/2 in its TLS handshake (ALPN ${alpn === false || alpn === undefined || alpn === null ? 'none' : alpn}): the request was HTTP/2 and is not sent as anything else`)
    }
    // The URL only names the default :authority; every replayed request sends its own.
    const authority = opts.target.kind === 'tcp' ? `http://${formatEndpoint(opts.target)}` : 'http://localhost'
    return H2ReplaySession.over(socket, link, rec, where, authority)
  }

  /**
   * A session over `socket`, already open (and agreed to HTTP/2): its bytes through `link`,
   * recorded. `authority` is a URL naming the default :authority. A rules forward to another
   * server (rules/h2/h2-forward-client.ts) opens its sessions here too.
   */
  static over(socket: Socket, link: ReplayLink, rec: RecordedConnection | undefined, where: string, authority: string): H2ReplaySession {
    const pipe = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        link.write(chunk).then(
          (ok) => done(ok ? null : Object.assign(new Error(`${where} took nothing more`), { code: 'EPIPE' })),
          (err: Error) => done(err)
        )
      },
      final(done) {
        link.end()
        done()
      }
    })
    link.onData = (chunk) => pipe.push(chunk)
    socket.once('end', () => pipe.push(null))
    socket.once('close', () => pipe.destroy())
    const session = nodeHttp2().connect(authority, {
      createConnection: () => pipe,
      maxHeaderListPairs: MAX_HEADER_PAIRS,
      settings: { enablePush: false, maxHeaderListSize: MAX_H2_REPLAY_HEADER_LIST }
    })
    // A session's failure reaches each of its streams, where the replay tells it.
    session.on('error', () => {})
    return new H2ReplaySession(session, link, rec, where)
  }

  /** The session can start a stream. */
  get usable(): boolean {
    return !this.session.closed && !this.session.destroyed && this.link.open
  }

  /** Ends the session (GOAWAY), then the connection, recording how it ended. */
  async close(end: ConnectionEnd): Promise<void> {
    if (!this.session.destroyed) {
      if (end === 'stopped') this.session.destroy()
      else {
        // GOAWAY, and closed once no stream is open (every one has ended or was cancelled by now); a session that lingers is destroyed below.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, CLOSE_WAIT_MS)
          this.session.close(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    }
    await this.link.close(end)
  }
}

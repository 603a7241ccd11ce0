// What the origin got of a client's bytes that came to the forward proxy as absolute-form
// HTTP (`GET http://host/path`, a connection whose `via` is HTTP). The capture keeps the
// client's bytes as it sent them, the proxy's credentials (Proxy-Authorization) included;
// AbsoluteFormStage rewrote each head on its way to the origin. What sends such a request
// again (replay, a curl command) sends what the origin got, through the same stage, so the
// proxy's credentials never reach a server.

import type { ConnectionSummary } from '../../../shared/capture-types'
import { UserError } from '../../../shared/errors'
import { AbsoluteFormStage } from './absolute-form-stage'
import { authorityText, parseAuthority, type Destination } from './http-proxy-request'

/** The origin a forward proxy's absolute-form connection went to; none for any other connection. */
export function absoluteFormOrigin(conn: Pick<ConnectionSummary, 'via' | 'target'>): Destination | undefined {
  if (conn.via !== 'HTTP') return undefined
  const origin = parseAuthority(conn.target, 80)
  return typeof origin === 'string' ? undefined : origin
}

/**
 * A client stream's bytes as the origin got them, passed through in order (one instance a
 * stream, from its first byte): `pass` returns what the stage sent on for those bytes.
 */
export class AsOriginGot {
  private readonly stage: AbsoluteFormStage
  private out: Buffer[] = []
  private readonly port = {
    send: (b: Buffer): boolean => {
      this.out.push(b)
      return true
    },
    end: (): void => {},
    hold: (): void => {},
    event: (): void => {},
    reset: (): void => {},
    close: (): void => {},
    refuse: (): void => {},
    fail: (): void => {}
  }

  constructor(origin: Destination) {
    this.stage = new AbsoluteFormStage(origin)
  }

  pass(bytes: Buffer): Buffer[] {
    try {
      this.stage.data(bytes, this.port)
    } catch (err) {
      throw new UserError(`the request cannot be sent as the origin got it: ${(err as Error).message}`)
    }
    const out = this.out
    this.out = []
    return out
  }
}

/** `bytes` (a request) as the forward proxy would send it to `origin`; refused when it would send nothing (it names another origin). */
export function asOriginGets(bytes: Buffer, origin: Destination, what: string): Buffer {
  const out = Buffer.concat(new AsOriginGot(origin).pass(bytes))
  if (out.length === 0) throw new UserError(`${what} names another origin than its connection's ${authorityText(origin)}: the forward proxy would not send it there, so it is not sent`)
  return out
}

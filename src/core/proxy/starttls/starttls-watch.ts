// Which STARTTLS opening a connection has, decided from its first bytes, then followed to its
// switch: PostgreSQL's SSLRequest is the client's first message (postgres.ts); SMTP, POP3,
// IMAP (mail.ts) and MySQL (mysql.ts) servers speak first. Bounded: after LOOK_LIMIT bytes
// either way without a switch, the look is over and the connection is forwarded as it is;
// bytes that are none of these openings end it at their first chunk. Shared by the proxy that
// intercepts (tls-listen.ts, through relay.ts) and the one that passes TLS through
// (hello-sniff.ts), so both recognise exactly the same openings.

import type { Direction } from '../../../shared/direction'
import type { StartTlsProtocol } from '../../../shared/tls-types'
import { mailGreeting, MailOpening } from './mail'
import { mysqlGreeting, MysqlOpening } from './mysql'
import { OVER, WATCH, type Opening, type OpeningMode, type Step } from './opening'
import { postgresRequest, PostgresOpening } from './postgres'

export type { Step } from './opening'

/** Bytes (both directions together) looked at before a switch; a mail dialogue before STARTTLS is a few hundred. */
export const LOOK_LIMIT = 16 * 1024
/** Bytes of a first message kept while it cannot yet be told (a greeting's first line, an 8-byte request). */
const MAX_HEAD = 1024

export class StartTlsWatch {
  private opening: Opening | undefined
  /** Each direction's first bytes, while they cannot yet be told. */
  private readonly head: Record<Direction, Buffer> = { client: Buffer.alloc(0), server: Buffer.alloc(0) }
  private seen = 0

  constructor(private readonly mode: OpeningMode) {}

  /** The protocol found, once found. */
  get protocol(): Opening['protocol'] | undefined {
    return this.opening?.protocol
  }

  /** A request to switch was sent on, and its answer has not come yet. */
  get waiting(): boolean {
    return this.opening?.waiting ?? false
  }

  /** A chunk `dir` sent (already recorded): what to do with it. */
  see(dir: Direction, chunk: Buffer): Step {
    this.seen += chunk.length
    if (this.seen > LOOK_LIMIT) return OVER
    if (this.opening !== undefined) return this.opening.see(dir, chunk)
    const head = this.head[dir].length === 0 ? chunk : Buffer.concat([this.head[dir], chunk])
    const found = recognise(dir, head, this.mode)
    if (found === 'need-more') {
      // A copy: the proxy's read buffers are reused by the next read.
      this.head[dir] = head === chunk ? Buffer.from(chunk) : head
      return head.length > MAX_HEAD ? OVER : WATCH
    }
    if (found === undefined) return OVER
    this.opening = found
    return found.see(dir, head)
  }
}

/** Which opening `dir`'s first bytes begin, without building it: 'need-more' while they cannot yet tell. */
function openingOf(dir: Direction, head: Buffer): StartTlsProtocol | 'need-more' | undefined {
  if (dir === 'client') {
    const request = postgresRequest(head)
    return request === 'need-more' || request === undefined ? request : 'postgres'
  }
  const mail = mailGreeting(head)
  if (mail !== undefined && mail !== 'need-more') return mail
  const mysql = mysqlGreeting(head)
  if (mysql === 'mysql') return mysql
  return mail === 'need-more' || mysql === 'need-more' ? 'need-more' : undefined
}

function recognise(dir: Direction, head: Buffer, mode: OpeningMode): Opening | 'need-more' | undefined {
  const protocol = openingOf(dir, head)
  switch (protocol) {
    case undefined:
    case 'need-more':
      return protocol
    case 'postgres':
      return new PostgresOpening(mode)
    case 'mysql':
      return new MysqlOpening()
    default:
      return new MailOpening(protocol)
  }
}

/** Whether a connection's first chunk may begin an opening (a look worth starting); no allocation, for the proxy's every connection. */
export function mayOpen(dir: Direction, chunk: Buffer): boolean {
  return openingOf(dir, chunk) !== undefined
}

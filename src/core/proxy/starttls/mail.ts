// The mail protocols' openings, line by line: the server greets first (SMTP `220`, POP3
// `+OK`, IMAP `* OK`), then the client may ask for TLS (SMTP `STARTTLS`, RFC 3207; POP3
// `STLS`, RFC 2595; IMAP `<tag> STARTTLS`, RFC 3501) and the server accepts (`220`, `+OK`,
// `<tag> OK`) or declines (any other answer: the connection stays in the clear, and the
// client may ask again). A client that sends anything after its request before the answer,
// or a server that sends anything after its acceptance, is closed: those bytes would be read
// in the clear by one side and as TLS by the other (the command injection of CVE-2011-0411).

import type { Direction } from '../../../shared/direction'
import type { StartTlsProtocol } from '../../../shared/tls-types'
import { OVER, WATCH, switchAt, type Opening, type Step } from './opening'

type MailProtocol = Extract<StartTlsProtocol, 'smtp' | 'imap' | 'pop3'>

/** A line longer than this is no mail protocol's (SMTP allows 512 with its CRLF, IMAP's are longer but not before a login). */
const MAX_LINE = 2048

/** Which mail protocol a server's greeting is, 'need-more' while too short to tell, undefined for none. */
export function mailGreeting(head: Buffer): MailProtocol | 'need-more' | undefined {
  const text = head.subarray(0, 4).toString('latin1')
  for (const [prefix, protocol] of [['220 ', 'smtp'], ['220-', 'smtp'], ['+OK', 'pop3'], ['* OK', 'imap']] as const) {
    if (text.length >= prefix.length ? text.startsWith(prefix) : prefix.startsWith(text)) return text.length >= prefix.length ? protocol : 'need-more'
  }
  return undefined
}

/** Splits a direction's bytes into lines, keeping a partial line for the next chunk. */
class Lines {
  private partial = ''

  /** Each whole line (without its CRLF) with the offset in `chunk` just past it; undefined once a line is too long. */
  take(chunk: Buffer): { line: string; end: number }[] | undefined {
    const out: { line: string; end: number }[] = []
    let start = 0
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, start)) {
      const line = this.partial + chunk.subarray(start, i).toString('latin1')
      this.partial = ''
      out.push({ line: line.endsWith('\r') ? line.slice(0, -1) : line, end: i + 1 })
      start = i + 1
    }
    this.partial += chunk.subarray(start).toString('latin1')
    return this.partial.length > MAX_LINE ? undefined : out
  }
}

const REQUEST: Record<MailProtocol, RegExp> = {
  smtp: /^STARTTLS\s*$/i,
  pop3: /^STLS\s*$/i,
  imap: /^(\S+) STARTTLS\s*$/i
}

const NAME: Record<MailProtocol, string> = { smtp: 'STARTTLS', pop3: 'STLS', imap: 'STARTTLS' }

export class MailOpening implements Opening {
  private readonly lines: Record<Direction, Lines> = { client: new Lines(), server: new Lines() }
  /**
   * The client asked for TLS and waits for the answer (IMAP: with this tag; SMTP: after the
   * replies to the `skip` commands pipelined before it, RFC 2920).
   */
  private asked: { tag: string; skip: number } | undefined

  constructor(readonly protocol: MailProtocol) {}

  get waiting(): boolean {
    return this.asked !== undefined
  }

  see(dir: Direction, chunk: Buffer): Step {
    const lines = this.lines[dir].take(chunk)
    if (lines === undefined) return OVER
    return dir === 'client' ? this.fromClient(chunk, lines) : this.fromServer(chunk, lines)
  }

  private fromClient(chunk: Buffer, lines: { line: string; end: number }[]): Step {
    if (this.asked !== undefined) return this.pipelined()
    for (const [i, { line, end }] of lines.entries()) {
      const m = REQUEST[this.protocol].exec(line)
      if (m === null) continue
      if (end !== chunk.length) return this.pipelined()
      this.asked = { tag: m[1] ?? '', skip: this.protocol === 'smtp' ? i : 0 }
    }
    return WATCH
  }

  private pipelined(): Step {
    return { kind: 'bad', dir: 'client', message: `the client sent more after ${NAME[this.protocol]}, before the server's answer: closed (commands pipelined across STARTTLS would run in the clear)` }
  }

  private fromServer(chunk: Buffer, lines: { line: string; end: number }[]): Step {
    if (this.asked === undefined) return WATCH
    for (const { line, end } of lines) {
      const verdict = this.answer(line)
      if (verdict === 'more') continue
      this.asked = undefined
      // Declined: the connection stays in the clear, and the client may ask again.
      if (verdict === 'no') return WATCH
      return switchAt('server', chunk, end, 'the target')
    }
    return WATCH
  }

  /** What a line of the server's says of the request: accepted, declined, or not the answer yet. */
  private answer(line: string): 'yes' | 'no' | 'more' {
    switch (this.protocol) {
      case 'smtp': {
        // A multi-line reply continues with `220-`; only its last line (`220 `) ends it.
        const m = /^(\d{3})([ -]|$)/.exec(line)
        if (m === null) return 'no'
        if (m[2] === '-') return 'more'
        // The final reply to a command pipelined before STARTTLS.
        if (this.asked!.skip > 0) {
          this.asked!.skip--
          return 'more'
        }
        return m[1] === '220' ? 'yes' : 'no'
      }
      case 'pop3':
        return line.startsWith('+OK') ? 'yes' : 'no'
      case 'imap': {
        if (line.startsWith('* ') || line.startsWith('+')) return 'more'
        const [tag, status] = line.split(' ', 2)
        if (tag !== this.asked!.tag) return 'more'
        return status?.toUpperCase() === 'OK' ? 'yes' : 'no'
      }
    }
  }
}

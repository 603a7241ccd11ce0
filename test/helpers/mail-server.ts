// Small SMTP, IMAP and POP3 servers with STARTTLS (Node's net and tls, on port 0), for tests
// that put a proxy in front of them and drive them with a real client (curl). Just enough of
// each protocol for curl's usual paths: SMTP greeting, EHLO advertising STARTTLS, STARTTLS,
// MAIL/RCPT/DATA/QUIT (each mail kept); IMAP CAPABILITY, STARTTLS, LOGIN, LIST, LOGOUT; POP3
// CAPA, STLS, USER/PASS, LIST, RETR, QUIT. `refuseTls` answers the request as a server
// without TLS would (454, NO, -ERR), so the session goes on in the clear.
import { once } from 'node:events'
import { createServer, type Socket } from 'node:net'
import { TLSSocket } from 'node:tls'

export type MailProtocol = 'smtp' | 'imap' | 'pop3'

export interface MailServer {
  port: number
  /** SMTP: each mail's DATA (without the final dot line), as received. */
  mails: string[]
  /** Each session: whether it switched to TLS, and the lines it read. */
  sessions: { tls: boolean; lines: string[] }[]
  close(): Promise<void>
}

export interface MailServerOptions {
  cert: Buffer
  key: Buffer
  refuseTls?: boolean
}

/** The message POP3 RETR returns. */
export const POP3_MESSAGE = 'Subject: hello\r\n\r\nfrom the pop3 test server\r\n'

export async function startMailServer(protocol: MailProtocol, opts: MailServerOptions): Promise<MailServer> {
  const mails: string[] = []
  const sessions: MailServer['sessions'] = []
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const session = { tls: false, lines: [] as string[] }
    sessions.push(session)
    serve(protocol, socket, session, opts, mails)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as { port: number }).port,
    mails,
    sessions,
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise<void>((r) => server.close(() => r()))
    }
  }
}

const GREETING: Record<MailProtocol, string> = { smtp: '220 mail.test ESMTP tcpscope-test\r\n', imap: '* OK IMAP4rev1 tcpscope-test ready\r\n', pop3: '+OK tcpscope-test POP3 ready\r\n' }

function serve(protocol: MailProtocol, raw: Socket, session: { tls: boolean; lines: string[] }, opts: MailServerOptions, mails: string[]): void {
  let socket: Socket = raw
  let partial = ''
  let data: string[] | undefined
  const send = (text: string): void => void socket.write(text)
  const upgrade = (): void => {
    raw.off('data', onData)
    const secure = new TLSSocket(raw, { isServer: true, cert: opts.cert, key: opts.key })
    secure.on('error', () => {})
    secure.once('secure', () => {
      session.tls = true
      socket = secure
      secure.on('data', onData)
    })
  }
  const onLine = (line: string): void => {
    session.lines.push(line)
    if (data !== undefined) {
      if (line === '.') {
        mails.push(data.join('\r\n'))
        data = undefined
        return send('250 2.0.0 queued\r\n')
      }
      return void data.push(line)
    }
    const [first = '', ...rest] = line.split(' ')
    const tlsAsked = { smtp: /^STARTTLS$/i, pop3: /^STLS$/i, imap: /^STARTTLS$/i }[protocol]
    if (protocol === 'imap') return imapLine(first, rest.join(' '))
    if (tlsAsked.test(first)) {
      if (opts.refuseTls || session.tls) return send(protocol === 'smtp' ? '454 4.7.0 TLS not available\r\n' : '-ERR no TLS here\r\n')
      send(protocol === 'smtp' ? '220 2.0.0 Ready to start TLS\r\n' : '+OK begin TLS\r\n')
      return upgrade()
    }
    if (protocol === 'smtp') return smtpLine(first.toUpperCase())
    return pop3Line(first.toUpperCase())
  }
  const smtpLine = (verb: string): void => {
    switch (verb) {
      case 'EHLO':
        return send(`250-mail.test\r\n${session.tls ? '' : '250-STARTTLS\r\n'}250 8BITMIME\r\n`)
      case 'HELO':
      case 'MAIL':
      case 'RCPT':
      case 'RSET':
      case 'NOOP':
        return send('250 2.0.0 OK\r\n')
      case 'DATA':
        data = []
        return send('354 go ahead\r\n')
      case 'QUIT':
        send('221 2.0.0 bye\r\n')
        return void socket.end()
      default:
        return send('502 5.5.2 unknown command\r\n')
    }
  }
  const imapLine = (tag: string, rest: string): void => {
    const [verb = ''] = rest.split(' ')
    switch (verb.toUpperCase()) {
      case 'CAPABILITY':
        return send(`* CAPABILITY IMAP4rev1${session.tls ? '' : ' STARTTLS'}\r\n${tag} OK CAPABILITY completed\r\n`)
      case 'STARTTLS':
        if (opts.refuseTls || session.tls) return send(`${tag} NO TLS not available\r\n`)
        send(`${tag} OK begin TLS\r\n`)
        return upgrade()
      case 'LOGIN':
        return send(`${tag} OK logged in\r\n`)
      case 'LIST':
        return send(`* LIST () "/" INBOX\r\n* LIST () "/" tcpscope-box\r\n${tag} OK LIST completed\r\n`)
      case 'LOGOUT':
        send(`* BYE\r\n${tag} OK LOGOUT completed\r\n`)
        return void socket.end()
      default:
        return send(`${tag} BAD unknown command\r\n`)
    }
  }
  const pop3Line = (verb: string): void => {
    switch (verb) {
      case 'CAPA':
        return send(`+OK\r\n${session.tls ? '' : 'STLS\r\n'}USER\r\n.\r\n`)
      case 'USER':
      case 'PASS':
        return send('+OK\r\n')
      case 'STAT':
        return send(`+OK 1 ${POP3_MESSAGE.length}\r\n`)
      case 'LIST':
        return send(`+OK 1 messages\r\n1 ${POP3_MESSAGE.length}\r\n.\r\n`)
      case 'RETR':
        return send(`+OK\r\n${POP3_MESSAGE}.\r\n`)
      case 'QUIT':
        send('+OK bye\r\n')
        return void socket.end()
      default:
        return send('-ERR unknown command\r\n')
    }
  }
  const onData = (chunk: Buffer): void => {
    partial += chunk.toString('latin1')
    for (let i = partial.indexOf('\r\n'); i !== -1; i = partial.indexOf('\r\n')) {
      const line = partial.slice(0, i)
      partial = partial.slice(i + 2)
      onLine(line)
      // Switched: the rest of this read (none from a client that waited for the answer) is the TLS layer's.
      if (raw.listenerCount('data') === 0 && socket === raw) {
        partial = ''
        return
      }
    }
  }
  raw.on('data', onData)
  send(GREETING[protocol])
}

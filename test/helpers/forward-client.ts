// Hand-made clients of a forward proxy, for what curl cannot send: SOCKS5 with each address
// type and any method list, raw HTTP CONNECT heads, and their answers read byte for byte.
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'

/** Reads from `s` until `enough(bytes)` says the answer is whole, or the socket ends; leaves the rest unread. */
export function readUntil(s: Socket, enough: (b: Buffer) => number | undefined, timeoutMs = 10_000): Promise<{ answer: Buffer; rest: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms (got ${JSON.stringify(buf.toString('latin1'))})`)), timeoutMs)
    const done = (err?: Error, ended = false): void => {
      clearTimeout(timer)
      s.off('data', onData)
      s.off('end', onEnd)
      s.off('close', onEnd)
      s.pause()
      if (err) return reject(err)
      const n = enough(buf) ?? buf.length
      resolve({ answer: buf.subarray(0, n), rest: buf.subarray(n), ended })
    }
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c])
      if (enough(buf) !== undefined) done()
    }
    const onEnd = (): void => done(undefined, true)
    s.on('data', onData)
    s.once('end', onEnd)
    s.once('close', onEnd)
    s.resume()
  })
}

export async function openTo(port: number, host = '127.0.0.1'): Promise<Socket> {
  const s = connect({ port, host, allowHalfOpen: true })
  s.on('error', () => {})
  await once(s, 'connect')
  return s
}

/** An HTTP head (through its blank line). */
export const wholeHead = (b: Buffer): number | undefined => {
  const i = b.indexOf('\r\n\r\n')
  return i < 0 ? undefined : i + 4
}

/** An HTTP answer with a Content-Length body (or none). */
export const wholeResponse = (b: Buffer): number | undefined => {
  const h = wholeHead(b)
  if (h === undefined) return undefined
  const m = /\r\ncontent-length: *(\d+)/i.exec(b.subarray(0, h).toString('latin1'))
  const n = h + (m ? Number(m[1]) : 0)
  return b.length >= n ? n : undefined
}

/** Sends a CONNECT and reads the proxy's answer head; the socket is the tunnel when the status is 200. */
export async function httpConnect(proxyPort: number, authority: string, headers: string[] = []): Promise<{ socket: Socket; status: number; head: string; body: string }> {
  const socket = await openTo(proxyPort)
  socket.write([`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`, ...headers, '', ''].join('\r\n'))
  const { answer, rest } = await readUntil(socket, (b) => (wholeHead(b) !== undefined && b.subarray(0, 12).toString().endsWith('200') ? wholeHead(b) : wholeResponse(b)))
  if (rest.length > 0) socket.unshift(rest)
  const text = answer.toString('latin1')
  const h = wholeHead(answer) ?? answer.length
  return { socket, status: Number(text.slice(9, 12)), head: text.slice(0, h), body: text.slice(h) }
}

export interface SocksTarget {
  /** 1: IPv4, 3: domain, 4: IPv6. */
  atyp: 1 | 3 | 4
  host: string
  port: number
}

function addressBytes(t: SocksTarget): Buffer {
  if (t.atyp === 1) return Buffer.from([1, ...t.host.split('.').map(Number)])
  if (t.atyp === 3) return Buffer.concat([Buffer.from([3, Buffer.byteLength(t.host)]), Buffer.from(t.host)])
  const full = new URL(`http://[${t.host}]/`).hostname.slice(1, -1)
  const [a, b = ''] = full.split('::')
  const ga = a === '' ? [] : a.split(':')
  const gb = b === '' ? [] : b.split(':')
  const groups = full.includes('::') ? [...ga, ...Array<string>(8 - ga.length - gb.length).fill('0'), ...gb] : ga
  const out = Buffer.alloc(17)
  out[0] = 4
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 1 + i * 2))
  return out
}

export interface SocksResult {
  socket: Socket
  /** The method the proxy chose (0xFF: none acceptable). */
  method: number
  /** RFC 1929 status, when user/pass was used. */
  authStatus?: number
  /** The reply code, when the request was answered. */
  reply?: number
  /** The bound address the reply named. */
  bound?: Buffer
}

/** Runs a SOCKS5 exchange step by step, stopping where the proxy refuses. */
export async function socks5(proxyPort: number, target: SocksTarget, opts: { methods?: number[]; user?: string; pass?: string; command?: number } = {}): Promise<SocksResult> {
  const socket = await openTo(proxyPort)
  const methods = opts.methods ?? (opts.user !== undefined ? [0, 2] : [0])
  socket.write(Buffer.from([5, methods.length, ...methods]))
  const greeting = await readUntil(socket, (b) => (b.length >= 2 ? 2 : undefined))
  const method = greeting.answer[1]
  if (greeting.answer.length < 2 || method === 0xff) return { socket, method: greeting.answer.length < 2 ? -1 : method }
  const result: SocksResult = { socket, method }
  if (method === 2) {
    const u = Buffer.from(opts.user ?? '')
    const p = Buffer.from(opts.pass ?? '')
    socket.write(Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]))
    const auth = await readUntil(socket, (b) => (b.length >= 2 ? 2 : undefined))
    result.authStatus = auth.answer[1]
    if (result.authStatus !== 0) return result
  }
  const port = Buffer.alloc(2)
  port.writeUInt16BE(target.port)
  socket.write(Buffer.concat([Buffer.from([5, opts.command ?? 1, 0]), addressBytes(target), port]))
  const reply = await readUntil(socket, (b) => {
    if (b.length < 5) return undefined
    const n = b[3] === 1 ? 10 : b[3] === 4 ? 22 : 7 + b[4]
    return b.length >= n ? n : undefined
  })
  if (reply.rest.length > 0) socket.unshift(reply.rest)
  if (reply.answer.length >= 2) {
    result.reply = reply.answer[1]
    result.bound = reply.answer.subarray(3)
  }
  return result
}

// A forward step's request, sent to another target instead of the proxy's (map remote): a
// connection of its own, opened and recorded by connect-target.ts as every connection to a
// target is, so the capture shows what that target was sent and answered. One request per
// connection: its response is framed and handed back whole to be delivered in its turn.
// HTTP/2's forward (h2/h2-forward-client.ts) comes here too when its destination speaks
// HTTP/1.1 only, with the request written as HTTP/1.1.

import type { Socket } from 'node:net'
import type { LiveCapture } from '../capture/write/live-capture'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { HttpConversation, HttpFramer } from '../breakpoint/http-framer'
import { Target, loadTlsConnect } from '../net/target/connect-target'
import { UserError } from '../net/net-errors'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../shared/limits'

export const RULES_OWNER = 'rules'
/** How long a forwarded request waits for its whole answer. */
export const ANSWER_TIMEOUT_MS = 60_000

/** `http://host:port`, `https://host` or `host:port` as a host, a port and whether TLS. */
export function forwardDestination(to: string): { host: string; port: number; tls: boolean } {
  const m = /^(?:(https?):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(to)
  if (m === null) throw new UserError(`"${to}" is not where to forward: http://host:port, https://host or host:port`, 'EINVAL')
  const tls = m[1] === 'https'
  const port = m[3] !== undefined ? Number(m[3]) : tls ? 443 : 80
  return { host: m[2].replace(/^\[(.*)\]$/, '$1'), port, tls }
}

/** The Host (or :authority) a forward step with `host: 'rewrite'` sets: `to` without its scheme. */
export const forwardHost = (to: string): string => to.replace(/^https?:\/\//, '').replace(/\/$/, '')

/** The Target a forward to `to` connects to (TLS verified against the system's roots, SNI the host, `alpn` offered), and where its connection is recorded. */
export async function forwardTarget(capture: LiveCapture | undefined, to: string, alpn?: string[]): Promise<{ target: Target; rec: RecordedConnection | undefined; tls: boolean }> {
  const dest = forwardDestination(to)
  const tls = dest.tls ? await loadTlsConnect({ sni: dest.host, ...(alpn !== undefined ? { alpn } : {}) }) : undefined
  const target = new Target({ target: { kind: 'tcp', host: dest.host, port: dest.port }, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, ...(tls !== undefined ? { tls } : {}) })
  const rec = capture?.openConnection({ kind: 'client', ownerId: RULES_OWNER, target: target.where })
  return { target, rec, tls: dest.tls }
}

export async function forwardRequest(capture: LiveCapture | undefined, to: string, request: Buffer, method: string, signal?: AbortSignal): Promise<Buffer> {
  const { target, rec } = await forwardTarget(capture, to)
  const socket = await target.connect({ ...(rec !== undefined ? { record: rec } : {}), ...(signal !== undefined ? { signal } : {}) })
  return answerOver(socket, rec, request, method, signal)
}

/** Sends an HTTP/1 `request` over a connected socket (recorded into `rec`) and resolves with its whole answer; the socket is closed then. */
export function answerOver(socket: Socket, rec: RecordedConnection | undefined, request: Buffer, method: string, signal?: AbortSignal): Promise<Buffer> {
  const conv = new HttpConversation()
  conv.methods.push(method.toUpperCase())
  const framer = new HttpFramer('server', conv, () => true)
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no whole answer within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS)
    const onAbort = (): void => done(new Error('cancelled'))
    signal?.addEventListener('abort', onAbort, { once: true })
    let settled = false
    const done = (result: Buffer | Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    socket.on('data', (chunk: Buffer) => {
      rec?.data('server', chunk)
      const out = framer.feed(chunk)
      if (out.message !== undefined) done(out.message.bytes)
    })
    socket.on('end', () => {
      rec?.event('fin', 'server')
      const out = framer.finish()
      done(out.message?.bytes ?? new Error('the connection ended before a whole answer'))
    })
    socket.on('error', (err) => {
      rec?.event('error', 'server', { code: (err as NodeJS.ErrnoException).code ?? 'EIO', message: err.message })
      done(err)
    })
    socket.on('close', () => {
      rec?.close('closed')
      done(new Error('the connection closed before a whole answer'))
    })
    if (signal?.aborted === true) return onAbort()
    rec?.data('client', request)
    socket.write(request)
  })
}

// Capture files for tests that open, save and upload them: written by the real capture
// writer, with connections from 10.0.0.7 to 10.0.0.1:6379 (client ports 41001, 41002, ...).
import { readFileSync, writeFileSync } from 'node:fs'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import { withoutStoredIndex } from './capture-file'

export interface SampleOptions {
  connections?: number
  /** Data chunks per connection, alternating client and server. */
  chunks?: number
  /** Leave out the stored index, as a writer killed before closing would: opening then rebuilds it. */
  withoutIndex?: boolean
}

export const sampleClientPort = (i: number): number => 41001 + i

export async function writeSampleCapture(path: string, opts: SampleOptions = {}): Promise<void> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  const ping = Buffer.from('PING\r\n')
  const pong = Buffer.from('+PONG\r\n')
  for (let i = 0; i < (opts.connections ?? 2); i++) {
    const c = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port: sampleClientPort(i), family: 'IPv4' }, target: '10.0.0.1:6379' })
    for (let j = 0; j < (opts.chunks ?? 1); j++) c.data(j % 2 ? 'server' : 'client', j % 2 ? pong : ping)
    c.close('closed')
  }
  await capture.close()
  if (opts.withoutIndex) writeFileSync(path, withoutStoredIndex(readFileSync(path)))
}

/** A capture of one HTTP/1.1 GET a connection (answered 200 "ok"), to each target with its Host header. */
export async function writeHttpCapture(path: string, conns: Array<{ target: string; host: string; path?: string }>): Promise<void> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  conns.forEach(({ target, host, path: p }, i) => {
    const c = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: sampleClientPort(i), family: 'IPv4' }, target })
    c.data('client', Buffer.from(`GET ${p ?? '/'} HTTP/1.1\r\nHost: ${host}\r\n\r\n`))
    c.data('server', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
    c.close('closed')
  })
  await capture.close()
}

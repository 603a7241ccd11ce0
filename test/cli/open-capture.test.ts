// The commands that read a capture file through the engine (show, export, replay) open it in
// an engine of their own (open-capture.ts). A small file is decoded on that engine's thread:
// a decode worker's start costs more than the file. A larger one goes to the decode workers
// as in the app. Both decode the same exchanges.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import { DECODE_IN_THREAD_BYTES, withCaptureFile } from '../../src/cli/commands/open-capture'

/** The decode worker as built (the global setup builds it): from source the engine would find none. */
const WORKER = resolve(__dirname, '../../out/cli/decode-worker.cjs')

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-open-capture-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Three GET exchanges, the last answered with a body of `lastBody` bytes. */
async function httpCapture(name: string, lastBody: number): Promise<string> {
  const path = join(dir, name)
  const capture = await LiveCapture.create(path, { overwrite: true })
  const c = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port: 41001, family: 'IPv4' }, target: '10.0.0.1:80' })
  for (const [i, size] of [4, 4, lastBody].entries()) {
    c.data('client', Buffer.from(`GET /item/${i} HTTP/1.1\r\nHost: api.test\r\n\r\n`))
    c.data('server', Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 0x61)]))
  }
  c.close('closed')
  await capture.close()
  return path
}

/** Where the file was decoded, and the exchanges the engine listed. */
async function opened(path: string): Promise<{ mode: string; exchanges: string[] }> {
  return withCaptureFile(
    path,
    async ({ engine, capture }) => {
      let page = await engine['exchange.page']({ capture, offset: 0, limit: 10 })
      while (page.scan !== undefined) page = await engine['exchange.page']({ capture, offset: 0, limit: 10 })
      return { mode: engine.decoding.mode, exchanges: page.rows.map((r) => `${r.method} ${r.path} ${r.status} ${r.responseSize}`) }
    },
    { workerFile: WORKER }
  )
}

describe('a capture file opened for a command', () => {
  it('is decoded on the engine’s thread when small, by the decode worker when larger, the same either way', async () => {
    const small = await opened(await httpCapture('small.tcap', 4))
    const large = await opened(await httpCapture('large.tcap', DECODE_IN_THREAD_BYTES + 1024))
    expect(small.mode).toBe('in-thread')
    expect(large.mode).toBe('worker')
    expect(small.exchanges).toEqual(['GET /item/0 200 4', 'GET /item/1 200 4', 'GET /item/2 200 4'])
    expect(large.exchanges).toEqual(['GET /item/0 200 4', 'GET /item/1 200 4', `GET /item/2 200 ${DECODE_IN_THREAD_BYTES + 1024}`])
  })
})

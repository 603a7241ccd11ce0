// An export of a capture damaged in the middle: a connection whose records cannot all be
// read fails the export with the damage's one line, whether the background decoding or the
// export itself met it first; never a file that leaves the connection out unsaid (a HAR of
// three entries of four, exit 0, was what a new user got).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../../src/shared/errors'
import { LiveCapture } from '../../../src/core/capture/write/live-capture'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { DIR, TYPE, walkRecords } from '../../helpers/capture-file'
import { userRefusal } from '../../helpers/errors'

let t: TestEngine | undefined
afterEach(async () => {
  await t?.dispose()
  t = undefined
})

async function httpCapture(path: string, connections: number): Promise<void> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  for (let i = 0; i < connections; i++) {
    const c = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port: 41001 + i, family: 'IPv4' }, target: '10.0.0.1:80' })
    c.data('client', Buffer.from(`GET /item/${i} HTTP/1.1\r\nHost: shop.example\r\n\r\n`))
    c.data('server', Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n#${i}`))
    c.close('closed')
  }
  await capture.close()
}

describe('exporting a capture damaged in the middle', () => {
  it('fails a HAR with the damage in one line, after the connections were decoded in the background, and leaves no file', async () => {
    t = await testEngine()
    const path = join(t.dir, 'shop.tcap')
    await httpCapture(path, 4)
    const file = readFileSync(path)
    const data = walkRecords(file).find((r) => r.type === TYPE.Data && r.connId === 3 && r.dir === DIR.server)!
    file[data.start + 9] ^= 0x04
    writeFileSync(path, file)

    const opened = await t.engine['capture.open']({ path })
    // The exchange list decodes every connection in the background first: it meets the damage there.
    let page
    do page = await t.engine['exchange.page']({ capture: opened.id, offset: 0, limit: 100 })
    while (page.scan)
    expect(page.rows.map((r) => r.connId).filter((id) => id !== 3)).toEqual([1, 2, 4])

    const out = join(t.dir, 'shop.har')
    const refused = await userRefusal(t.engine['capture.export']({ capture: opened.id, format: 'har', path: out }))
    expect(refused.code).toBe(ERROR_CODES.EDAMAGED)
    expect(refused.message).toBe(`the capture file is damaged at byte ${data.start}: a record header fails its CRC; what lies before it can still be read`)
    expect(existsSync(out)).toBe(false)
    // The connections around it still export.
    await t.engine['capture.export']({ capture: opened.id, format: 'har', path: out, connIds: [1, 2, 4] })
    expect(JSON.parse(readFileSync(out, 'utf8')).log.entries.map((e: { request: { url: string } }) => e.request.url)).toEqual(['http://shop.example/item/0', 'http://shop.example/item/1', 'http://shop.example/item/3'])
  })
})

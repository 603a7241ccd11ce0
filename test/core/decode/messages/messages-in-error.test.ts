// Bytes the framing says are no message (skipped, or where cutting stopped) are listed as one
// message in error whose summary is that error and whose field is its bytes: the protocol's
// reading of them contradicted it (a DNS header read from 2 bytes; a framing script's
// describe() making a reading of the noise it had just skipped).
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { portOf, testEngine } from '../../../helpers/engine'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectTo, startServer, tempDir } from '../../../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a message in error', () => {
  it('says its error as its summary and shows its bytes, not the protocol reading them', async () => {
    const t = await testEngine()
    cleanups.push(t.dispose)
    const sink = await startServer((s) => s.resume().on('end', () => s.end()))
    cleanups.push(sink.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${sink.port}`, frame: 'dns' })
    const c = await connectTo(portOf(proxy.listen))
    // A DNS-over-TCP length of 2: shorter than a DNS header, so no message.
    c.end(Buffer.from([0x00, 0x02, 0xab, 0xcd]))
    await once(c.resume(), 'end')
    let page
    for (let i = 0; i < 100; i++) {
      page = await t.engine['msg.page']({ capture: 'live', connId: 1, fields: true })
      if (page.messages.length > 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    const [m] = page!.messages
    expect(m.error).toBe('a DNS message of 2 bytes is shorter than its 12-byte header')
    expect(m.summary).toBe(m.error)
    expect(m.fields).toEqual([{ name: 'bytes', value: '0x 00 02 ab cd', offset: 0, length: 4 }])
  })

  it('says once that the stream ended inside a .ksy message: the codec\'s reason as its error, its fields as its summary', async () => {
    const t = await testEngine()
    cleanups.push(t.dispose)
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // A type, a length, then that many bytes plus one (the user's bad size): each message reads past its end.
    const ksy = join(dir, 'blob.ksy')
    writeFileSync(ksy, ['meta:', '  id: blob_msg', '  endian: be', 'seq:', '  - id: msg_type', '    type: u2', '  - id: len', '    type: u4', '  - id: body', '    size: len + 1', ''].join('\n'))
    const sink = await startServer((s) => s.resume().on('end', () => s.end()))
    cleanups.push(sink.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${sink.port}`, frame: `ksy:${ksy}` })
    const c = await connectTo(portOf(proxy.listen))
    c.end(Buffer.from([0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0xab, 0xcd]))
    await once(c.resume(), 'end')
    let page
    for (let i = 0; i < 100; i++) {
      page = await t.engine['msg.page']({ capture: 'live', connId: 1 })
      if (page.messages.length > 0 && !page.messages[0].summary.startsWith('[')) break
      await new Promise((r) => setTimeout(r, 50))
    }
    const [m] = page!.messages
    expect(m.incomplete).toBe(true)
    expect(m.error).toMatch(/^the stream ended inside this blob_msg message: /)
    expect(m.summary).toBe('blob_msg msg_type=1 len=2')
  })
})

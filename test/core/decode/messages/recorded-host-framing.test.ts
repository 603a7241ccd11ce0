// A capture remembers its proxy's `ksy:` or `script:` framing (a path on the recording host).
// Opened by path (someone who may read this host's files), the recorded `.ksy` or script is
// loaded to cut its connections; uploaded by a front end (which may not), the engine never
// reads (let alone runs) a file because the capture names it: its connections read as if no
// framing were recorded.
import { afterEach, describe, expect, it } from 'vitest'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { closedConnections } from '../../../helpers/capture-checks'
import { startServer } from '../../../helpers/net'
import { DEVICE_KSY, reading } from '../../protocols/ksy/ksy-frames'
import { DEVICE_SCRIPT } from '../../protocols/script/script-files'

const KINDS = [
  { kind: 'ksy', example: DEVICE_KSY, file: 'device.ksy', broken: 'meta:\n  id: broken\nseq:\n  - id: x\n    type: no_such_type\n', error: /device\.ksy:5: .*no_such_type/ },
  { kind: 'script', example: DEVICE_SCRIPT, file: 'device.js', broken: 'export function frame(b) {\n  return b.length +\n}\n', error: /device\.js:3: / }
]

const engines: TestEngine[] = []
afterEach(async () => {
  for (const e of engines.splice(0)) await e.dispose()
})

describe.each(KINDS)('a $kind: framing a capture file names', ({ kind, example, file, broken, error }) => {
  it('is loaded for a file opened by path, and never read for an uploaded one', async () => {
    const a = await testEngine()
    engines.push(a)
    const ksy = join(a.dir, file)
    copyFileSync(example, ksy)
    const device = await startServer((s) => s.end(Buffer.from(reading(1, 1, 2150, [7]))))
    const proxy = await a.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${device.port}`, frame: `${kind}:${ksy}` })
    await new Promise<void>((done) => connect(portOf(proxy.listen), '127.0.0.1').on('data', () => undefined).on('close', () => done()))
    await device.close()
    const [conn] = await closedConnections(a.engine, 1)
    const saved = join(a.dir, 'device.tcap')
    await a.engine['capture.save']({ path: saved })
    // From now on, loading the recorded file would fail: a sign that it was read.
    writeFileSync(ksy, broken)

    const b = await testEngine()
    engines.push(b)
    const opened = await b.engine['capture.open']({ path: saved })
    await expect(b.engine['msg.page']({ capture: opened.id, connId: conn.id })).rejects.toThrow(error)
    // The list says what it carries from the start (the recorded framing), not raw until "decode as".
    const listed = await b.engine['conn.get']({ capture: opened.id, ids: [conn.id] })
    expect(listed[0].protocol?.carries).toBe(kind)
    expect((await b.engine['conn.page']({ capture: opened.id, offset: 0, limit: 10 })).rows[0].protocol?.carries).toBe(kind)

    const c = await testEngine()
    engines.push(c)
    const bytes = readFileSync(saved)
    const { upload } = await c.engine['capture.upload.begin']({ name: 'device.tcap', size: bytes.length })
    await c.engine['capture.upload.chunk']({ upload, offset: 0, data: bytes })
    const uploaded = await c.engine['capture.upload.end']({ upload })
    const page = await c.engine['msg.page']({ capture: uploaded.id, connId: conn.id })
    expect(page.framing.startsWith(`${kind}:`)).toBe(false)
    expect(page.source).not.toBe('owner')
    expect((await c.engine['conn.get']({ capture: uploaded.id, ids: [conn.id] }))[0].protocol?.carries).not.toBe(kind)
  })
})

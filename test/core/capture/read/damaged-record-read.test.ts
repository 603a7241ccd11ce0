// A damaged record in a closed capture, read through the engine (the UI's conn.read and
// conn.events): its header CRC is checked as docs/capture-format.md says, and the answer is
// one coded error naming the byte, not an internal error (nor, worse, the wrong bytes).
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERROR_CODES } from '../../../../src/shared/errors'
import { testEngine, type TestEngine } from '../../../helpers/engine'
import { writeSampleCapture } from '../../../helpers/sample-capture'
import { TYPE, walkRecords } from '../../../helpers/capture-file'
import { userRefusal } from '../../../helpers/errors'

let t: TestEngine | undefined
afterEach(async () => {
  await t?.dispose()
  t = undefined
})

describe('reading a damaged record of a closed capture', () => {
  it.for([
    ['its connection id', 9],
    ['its length', 17]
  ] as const)('a flipped bit in a data record header (%s) is EDAMAGED at that byte, for conn.read and conn.events', async ([, at]) => {
    t = await testEngine()
    const path = join(t.dir, 'sample.tcap')
    await writeSampleCapture(path, { connections: 2, chunks: 4 })
    const file = readFileSync(path)
    // The second connection's first server chunk: the stored index still lists it.
    const data = walkRecords(file).filter((r) => r.type === TYPE.Data && r.connId === 2 && r.dir === 2)[0]
    file[data.start + at] ^= 0x04
    writeFileSync(path, file)

    const opened = await t.engine['capture.open']({ path })
    expect(opened.connections).toBe(2)
    const read = await userRefusal(t.engine['conn.read']({ capture: opened.id, connId: 2, dir: 'server', offset: 0, length: 100 }))
    expect(read.code).toBe(ERROR_CODES.EDAMAGED)
    expect(read.message).toBe(`the capture file is damaged at byte ${data.start}: a record header fails its CRC; what lies before it can still be read`)
    const events = await userRefusal(t.engine['conn.events']({ capture: opened.id, connId: 2 }))
    expect(events).toMatchObject({ code: ERROR_CODES.EDAMAGED, message: read.message })

    // The rest of the file still reads.
    expect(Buffer.from(await t.engine['conn.read']({ capture: opened.id, connId: 1, dir: 'server', offset: 0, length: 100 })).toString()).toBe('+PONG\r\n+PONG\r\n')
    expect(Buffer.from(await t.engine['conn.read']({ capture: opened.id, connId: 2, dir: 'client', offset: 0, length: 100 })).toString()).toBe('PING\r\nPING\r\n')
  })
})

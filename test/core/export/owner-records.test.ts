// The capture index keeps its owner records (where each proxy and session listened), which
// pcapng needs for the client's leg: live, from a file still being written (walked), and
// from a closed file's stored index; a file without them (as every file before) has none.
import { afterEach, describe, expect, it } from 'vitest'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { CaptureIndex } from '../../../src/core/capture/query/capture-index'
import { encodeIndex, OWNERS_REF_AT } from '../../../src/core/capture/format/index-codec'
import { RecordType } from '../../../src/core/capture/format/capture-format'
import { testEngine, type TestEngine } from '../../helpers/engine'

let t: TestEngine
afterEach(async () => {
  await t?.dispose()
})

describe('owner records in the capture index', () => {
  it('are known live, walked from a file being written, and read from the stored index', async () => {
    t = await testEngine()
    const a = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    const b = await t.engine['proxy.start']({ listen: '[::1]:0', target: '127.0.0.1:9' })
    await t.engine['proxy.stop']({ proxyId: a.id })
    const live = await t.engine.capture.owners()
    expect(live.map((o) => ({ id: o.id, listen: o.listen, target: o.target, stopped: o.stoppedAt !== undefined }))).toEqual([
      { id: a.id, listen: a.listen, target: '127.0.0.1:9', stopped: true },
      { id: b.id, listen: b.listen, target: '127.0.0.1:9', stopped: false }
    ])

    const walked = await FileCapture.open(t.capturePath)
    try {
      expect(walked.info().live).toBe(true)
      expect(await walked.owners()).toEqual(live)
    } finally {
      await walked.close()
    }

    await t.engine.close()
    const stored = await FileCapture.open(t.capturePath)
    try {
      expect(stored.info().indexProblem).toBeUndefined()
      // Closing the engine stopped the second proxy too.
      const owners = await stored.owners()
      expect(owners.map(({ stoppedAt: _, ...o }) => o)).toEqual(live.map(({ stoppedAt: _, ...o }) => o))
      expect(owners.every((o) => o.stoppedAt !== undefined && o.stoppedAt >= o.startedAt)).toBe(true)
    } finally {
      await stored.close()
    }
  })

  it('leave the header word files before them had as 0 when there are none, and read back as none', async () => {
    const index = new CaptureIndex()
    expect(encodeIndex(index).stream.readUInt32LE(OWNERS_REF_AT)).toBe(0)
    index.add(RecordType.Owner, 0, 0, 16, 10, 1000, { event: 'start', id: 'p1', listen: '127.0.0.1:1', target: 'x:2' })
    expect(encodeIndex(index).stream.readUInt32LE(OWNERS_REF_AT)).toBeGreaterThan(0)

    t = await testEngine()
    await t.engine.close()
    const file = await FileCapture.open(t.capturePath)
    try {
      expect(await file.owners()).toEqual([])
    } finally {
      await file.close()
    }
  })

  it('ignore an owner record that names no listening address', () => {
    const index = new CaptureIndex()
    index.add(RecordType.Owner, 0, 0, 16, 10, 1000, { event: 'start', id: 'p1' })
    index.add(RecordType.Owner, 0, 0, 16, 10, 1000, { event: 'start', listen: 'x' })
    expect(index.ownerList()).toEqual([])
  })
})

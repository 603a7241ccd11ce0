// A message breakpoint on a proxy cut by a `.ksy` (`--frame ksy:examples/ksy/device-frame.ksy`)
// over real sockets: a frame whose field matches (`field:temperature_centi<0`) is held whole
// though it came a few bytes at a time, the frames before it pass whole, and the held one
// goes on unchanged once released; msg.page then lists the frames cut the same way. The
// steps are device-break.ts's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { breakOnColdReading } from './device-break'
import { DEVICE_KSY } from '../protocols/ksy/ksy-frames'

let t: TestEngine
beforeEach(async () => {
  t = await testEngine()
})
afterEach(() => t.dispose())

describe('a message breakpoint on a .ksy protocol', () => {
  it('holds the frame whose field matches, whole, and lets the others through whole', async () => {
    const { held } = await breakOnColdReading(t, `ksy:${DEVICE_KSY}`, 'ksy')
    expect(held.summary).toContain('device_frame kind=reading (2) seq_no=2')
  })
})

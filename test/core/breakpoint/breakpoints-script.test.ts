// A message breakpoint on a proxy cut by a script (`--frame script:examples/script/device-frame.js`)
// over real sockets: a frame whose script-described field matches (`field:temperature_centi<0`)
// is held whole though it came a few bytes at a time, the frames before it pass whole, and the
// held one goes on unchanged once released; msg.page then lists the frames cut the same way,
// and filters them by the script's fields. The steps are device-break.ts's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { breakOnColdReading } from './device-break'
import { DEVICE_SCRIPT } from '../protocols/script/script-files'

let t: TestEngine
beforeEach(async () => {
  t = await testEngine()
})
afterEach(() => t.dispose())

describe('a message breakpoint on a script-decoded protocol', () => {
  it('holds the frame whose field matches, whole, and lets the others through whole', async () => {
    const { held, connId } = await breakOnColdReading(t, `script:${DEVICE_SCRIPT}`, 'script')
    expect(held.summary).toBe('reading #2 -4.2°')
    // The script's fields are the filter's: by number, and by an enum's name.
    const filtered = async (filter: string): Promise<number[]> => (await t.engine['msg.page']({ capture: 'live', connId, filter })).messages.map((x) => x.index)
    expect(await filtered('field:temperature_centi>0')).toEqual([0])
    expect(await filtered('field:unit=celsius')).toEqual([0, 1])
    expect(await filtered('field:unit=percent')).toEqual([])
  })
})

// A device's own protocol, described in examples/ksy/device-frame.ksy, decoded in the
// Messages tab in real Chromium against `tcpscope web`: a device-like server sends its frames
// in pieces of 1 to 5 bytes through a proxy the test starts; the connection reads as a byte
// stream until "Decode as… ▸ Kaitai Struct file…" names the .ksy; then every frame is one
// message, a reading's fields are listed by their .ksy names with enums by name, and the
// filter's `field:` word picks the cold readings. A .ksy that does not compile is said in the
// dialog in one line. In English (light) and Chinese (dark), scanned by axe; screenshots in
// /tmp/ksy-*.png. Selects by role and name only. The steps are device-decode-as.ts's.
import { afterEach, beforeEach, describe, it } from 'vitest'
import { runCleanups } from '../helpers/web-page'
import { chromiumAvailable } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { DEVICE_KSY } from '../core/protocols/ksy/ksy-frames'
import { decodeDeviceAs, type DeviceFraming } from './device-decode-as'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(() => runCleanups(cleanups))

const KSY: DeviceFraming = {
  kind: 'ksy',
  pathBox: { en: '.ksy file (a path on the engine’s computer)', zh: '.ksy 文件（引擎所在计算机上的路径）' },
  // A .ksy that does not compile: the line is the one naming the type.
  broken: { name: 'broken.ksy', text: 'meta:\n  id: broken\nseq:\n  - id: x\n    type: no_such_type\n', says: /broken\.ksy:5: .*no_such_type/ },
  file: DEVICE_KSY,
  title: 'Kaitai',
  readingRow: 'device_frame kind=reading (2) seq_no=2'
}

describe('a protocol of your own, described in a .ksy, in the Messages tab', () => {
  it('decodes a trickling device as Kaitai Struct frames with named fields, in English', async () => {
    await decodeDeviceAs(cleanups, 'en', KSY)
  })
  it('does the same in Chinese, in dark', async () => {
    await decodeDeviceAs(cleanups, 'zh', KSY)
  })
})

// A device's own protocol decoded by a script (examples/script/device-frame.js: its frame()
// and describe()) in the Messages tab, in real Chromium against `tcpscope web`: a device-like
// server sends its frames in pieces of 1 to 5 bytes through a proxy the test starts; the
// connection reads as a byte stream until "Decode as… ▸ Script file…" names the script; then
// every frame is one message, a reading's fields are listed by the names the script gives,
// and the filter's `field:` word picks the cold readings. A script without frame() is said in
// the dialog in one line. In English (light) and Chinese (dark), scanned by axe; screenshots
// in /tmp/script-*.png. Selects by role and name only. The steps are device-decode-as.ts's.
import { afterEach, beforeEach, describe, it } from 'vitest'
import { runCleanups } from '../helpers/web-page'
import { chromiumAvailable } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { DEVICE_SCRIPT } from '../core/protocols/script/script-files'
import { decodeDeviceAs, type DeviceFraming } from './device-decode-as'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(() => runCleanups(cleanups))

const SCRIPT: DeviceFraming = {
  kind: 'script',
  pathBox: { en: 'Script file (.js or .ts, a path on the engine’s computer)', zh: '脚本文件（.js 或 .ts，引擎所在计算机上的路径）' },
  // A script without frame(): the line names the file.
  broken: { name: 'none.js', text: 'export function describe() { return null }\n', says: /none\.js exports no frame function/ },
  file: DEVICE_SCRIPT,
  title: 'script',
  readingRow: 'reading #2 -4.8°'
}

describe('a protocol of your own, decoded by a script, in the Messages tab', () => {
  it('decodes a trickling device with the script\'s frame() and describe(), fields by name, in English', async () => {
    await decodeDeviceAs(cleanups, 'en', SCRIPT)
  })
  it('does the same in Chinese, in dark', async () => {
    await decodeDeviceAs(cleanups, 'zh', SCRIPT)
  })
})

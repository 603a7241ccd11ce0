// A .ksy message the stream ended inside, in the Chinese UI, in real Chromium against
// `tcpscope web`: a proxy framed by a user's .ksy (--frame ksy:blob.ksy) carries a client's
// message whose body is one byte shorter than its size says. The Messages tab's row and the
// message's error line say the engine's error (`the stream ended inside this blob_msg
// message: EOFError: requested 3 bytes, …`) in Chinese, the kaitai error inside it too.
// Selects by role and name only.
import { once } from 'node:events'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWebPage, runCleanups } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { connectTo, portOf, startServer, tempDir } from '../helpers/net'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(() => runCleanups(cleanups))

const SAID = '数据流在此 blob_msg 消息中途结束：EOFError：需要读取 3 个字节，但只剩 2 个字节'

describe("a .ksy message's error in the Chinese UI", () => {
  it('says the stream ended inside it, and the EOFError within, in Chinese in its row and under its title', async () => {
    const files = tempDir()
    cleanups.push(files.cleanup)
    // A type, a length, then that many bytes and one more: the message reads past its end.
    const ksy = join(files.dir, 'blob.ksy')
    writeFileSync(ksy, ['meta:', '  id: blob_msg', '  endian: be', 'seq:', '  - id: msg_type', '    type: u2', '  - id: len', '    type: u4', '  - id: body', '    size: len + 1', ''].join('\n'))
    const sink = await startServer((s) => s.resume().on('end', () => s.end()))
    cleanups.push(sink.close)
    const { web, page } = await openWebPage(cleanups, { browser: { width: 1280, height: 800, locale: 'zh-CN' } })
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${sink.port}`, frame: `ksy:${ksy}` })
    const c = await connectTo(portOf(proxy.listen))
    c.end(Buffer.from([0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0xab, 0xcd]))
    await once(c.resume(), 'end')

    const grid = page.getByRole('grid', { name: '连接', exact: true })
    const row = grid.getByRole('row').nth(1)
    // Clicked again until it is the selection: a click while the live list redraws can miss.
    for (let tries = 1; ; tries++) {
      await row.click()
      try {
        await grid.getByRole('row', { selected: true }).waitFor({ timeout: 3000 })
        break
      } catch (err) {
        if (tries === 3) throw err
      }
    }
    const detail = page.getByRole('region', { name: '所选连接' })
    await detail.getByRole('tab', { name: '消息', exact: true }).click()
    const list = detail.getByRole('listbox', { name: /^消息/ })
    const message = list.getByRole('option').first()
    await expect.poll(() => message.textContent()).toContain(SAID)
    await message.click()
    const fields = detail.getByRole('region', { name: '消息字段' })
    await expect.poll(() => fields.textContent()).toContain(SAID)
    expect(await detail.textContent()).not.toContain('requested 3 bytes')
    await saveScreenshot(page, 'ksy-error-zh')
  })
})

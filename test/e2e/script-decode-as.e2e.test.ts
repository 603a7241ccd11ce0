// A device's own protocol decoded by a script (examples/script/device-frame.js: its frame()
// and describe()) in the Messages tab, in real Chromium against `tcpscope web`: a device-like
// server sends its frames in pieces of 1 to 5 bytes through a proxy the test starts; the
// connection reads as a byte stream until "Decode as… ▸ Script file…" names the script; then
// every frame is one message, a reading's fields are listed by the names the script gives,
// and the filter's `field:` word picks the cold readings. A script without frame() is said in
// the dialog in one line. In English (light) and Chinese (dark), scanned by axe; screenshots
// in /tmp/script-*.png. Selects by role and name only.
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { portOf } from '../helpers/engine'
import { startServer, tempDir } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { violations, expectNone } from '../helpers/accessibility'
import { concat, hello, reading } from '../core/protocols/ksy/ksy-frames'
import { DEVICE_SCRIPT } from '../core/protocols/script/script-files'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const FRAMES = concat([hello(0, 'thermo-1', [2, 1, 0]), reading(1, 1, 2150, [7, 8]), reading(2, 1, -480, []), reading(3, 2, -15, [9])])

/** A device that sends its frames in pieces of 1 to 5 bytes, then closes. */
async function device(): Promise<number> {
  const s = await startServer((sock) => {
    let at = 0
    const next = (): void => {
      if (at >= FRAMES.length) return void sock.end()
      const n = 1 + (at % 5)
      sock.write(FRAMES.subarray(at, at + n))
      at += n
      setTimeout(next, 2)
    }
    next()
    sock.on('error', () => {})
  })
  cleanups.push(s.close)
  return s.port
}

const WORDS = {
  en: { grid: 'Connections', detail: 'Selected connection', tab: 'Messages', decodeAs: 'Decode as…', framing: 'Framing', script: 'Script file (.js or .ts, a path on the engine’s computer)', apply: 'Apply', filter: 'Filter messages', fields: 'Message fields' },
  zh: { grid: '连接', detail: '所选连接', tab: '消息', decodeAs: '解码为…', framing: '分帧', script: '脚本文件（.js 或 .ts，引擎所在计算机上的路径）', apply: '应用', filter: '过滤消息', fields: '消息字段' }
}

async function run(lang: 'en' | 'zh'): Promise<void> {
  const w = WORDS[lang]
  const port = await device()
  const { web, page } = await openWebPage(cleanups, { browser: { width: 1280, height: 800, ...(lang === 'zh' ? { locale: 'zh-CN', colorScheme: 'dark' as const } : {}) } })
  const driver = await web.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  const got = await new Promise<Buffer>((done, fail) => {
    const parts: Buffer[] = []
    const s = connect(portOf(proxy.listen), '127.0.0.1')
    s.on('data', (c: Buffer) => parts.push(c))
    s.on('end', () => done(Buffer.concat(parts)))
    s.on('error', fail)
  })
  expect(got.equals(Buffer.from(FRAMES))).toBe(true)
  const row = page.getByRole('grid', { name: w.grid, exact: true }).getByRole('row').nth(1)
  await row.click()
  const detail = page.getByRole('region', { name: w.detail })
  await detail.getByRole('tab', { name: w.tab, exact: true }).click()

  // A script without frame(): one line in the dialog, naming the file.
  const bad = tempDir()
  cleanups.push(bad.cleanup)
  const none = join(bad.dir, 'none.js')
  writeFileSync(none, 'export function describe() { return null }\n')
  await detail.getByRole('button', { name: w.decodeAs }).click()
  const dialog = page.getByRole('dialog', { name: /#\d+/ })
  await dialog.getByRole('combobox', { name: w.framing, exact: true }).selectOption('script')
  await dialog.getByRole('textbox', { name: w.script }).fill(none)
  await dialog.getByRole('button', { name: w.apply, exact: true }).click()
  await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/none\.js exports no frame function/)

  await dialog.getByRole('textbox', { name: w.script }).fill(DEVICE_SCRIPT)
  await page.screenshot({ path: `/tmp/script-decode-as-${lang}.png` })
  expectNone(await violations(page, `Decode as script (${lang})`))
  await dialog.getByRole('button', { name: w.apply, exact: true }).click()
  await dialog.waitFor({ state: 'detached' })

  // Every frame one message, whatever TCP did; a reading's fields by the script's names.
  const list = detail.getByRole('listbox', { name: /^(Messages|消息)/ })
  await expect.poll(() => list.getByRole('option').count()).toBe(4)
  await list.getByRole('option').nth(2).click()
  const fields = detail.getByRole('region', { name: w.fields })
  const tree = await fields.getByRole('tree').textContent()
  expect(tree).toContain('temperature_centi')
  expect(tree).toContain('-480')
  expect(tree).toContain('reading (2)')
  expect(await list.getByRole('option').nth(2).textContent()).toContain('reading #2 -4.8°')
  await page.screenshot({ path: `/tmp/script-fields-${lang}.png` })
  expectNone(await violations(page, `Script fields (${lang})`))

  // field: words in the filter.
  await detail.getByRole('searchbox', { name: w.filter }).fill('field:temperature_centi<0')
  await expect.poll(() => list.getByRole('option').count()).toBe(2)
}

describe('a protocol of your own, decoded by a script, in the Messages tab', () => {
  it('decodes a trickling device with the script\'s frame() and describe(), fields by name, in English', async () => {
    await run('en')
  })
  it('does the same in Chinese, in dark', async () => {
    await run('zh')
  })
})

// The byte views in real Chromium against `tcpscope web`: a 16 MiB connection made through a
// proxy with binary bytes, GBK text and control characters at its start and patterns near
// its end. The hex view shows its rows, the text view its GBK text and control characters,
// find reaches the patterns through the engine and selects them in both views, go to offset
// and Ctrl+End move there (16 MiB is past the browsers' element height, so the scrollbar is
// the scaled one), and a copy lands on the clipboard. Selects by role and name only.
import iconv from 'iconv-lite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { connectTo, startServer, portOf } from '../helpers/net'
import type { WebMode } from '../helpers/web'
import { selectRow, sharedWebPage, showAs, toolbarShown } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const TOTAL = 16 * 1024 * 1024
const HEAD = Buffer.concat([
  Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
  Buffer.from('Hello, tcpscope\r\n'),
  iconv.encode('你好，世界\r\n', 'gbk'),
  Buffer.from('tab\there, escape \u001b, delete \u007f.\n')
])
const MARKER = Buffer.from([0xde, 0xad, 0xbe, 0xef])
const NEEDLE = iconv.encode('目标文本', 'gbk')

/** HEAD, ASCII lines, the marker and the GBK needle 4 KiB from the end, more lines: TOTAL bytes. */
function payload(): { bytes: Buffer; marker: number; needle: number } {
  const lines: Buffer[] = [HEAD]
  let size = HEAD.length
  let n = 0
  const tailAt = TOTAL - 4096
  while (size < tailAt) {
    const line = Buffer.from(`line ${String(n++).padStart(7, '0')} abcdefghijklmnopqrstuvwxyz\n`)
    lines.push(line)
    size += line.length
  }
  const marker = size
  const near = Buffer.concat([MARKER, Buffer.from(' '), NEEDLE, Buffer.from('\r\n')])
  lines.push(near)
  size += near.length
  lines.push(Buffer.alloc(TOTAL - size, 0x2e))
  return { bytes: Buffer.concat(lines), marker, needle: marker + MARKER.length + 1 }
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0')
const flat = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim()

/** The connection list's name and the state its row shows, in the page's language. */
const LIST = { en: { grid: 'Connections', closed: 'closed' }, zh: { grid: '连接', closed: '已关闭' } }

async function openConnection(w: WebMode, page: Page, names = LIST.en): Promise<{ marker: number; needle: number }> {
  const server = await startServer((s) => {
    s.resume()
    s.on('end', () => s.end('+OK\r\n'))
  })
  cleanups.push(server.close)
  const driver = await w.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const { bytes, marker, needle } = payload()
  const c = await connectTo(portOf(proxy.listen))
  const done = new Promise((r) => c.on('close', r))
  c.resume()
  c.end(bytes)
  await done
  const grid = page.getByRole('grid', { name: names.grid })
  const row = grid.getByRole('row').filter({ has: page.getByRole('gridcell', { name: `127.0.0.1:${server.port}`, exact: true }) })
  await row.getByRole('gridcell', { name: names.closed }).waitFor()
  await selectRow(grid, `127.0.0.1:${server.port}`)
  return { marker, needle }
}

describe('the byte views in Chromium', () => {
  // One engine and one page for the three tests: each proxies to a server of its own, and
  // picks its connection by that server's address.
  const shared = sharedWebPage(
    {
      browser: { width: 1280, height: 860 },
      beforeLoad: (b, web) => b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.origin })
    },
    toolbarShown
  )
  beforeEach(async () => {
    if (!chromiumAvailable()) return
    shared.page.setDefaultTimeout(10_000)
    await showAs(shared.page, { width: 1280, height: 860 })
  })

  it('show a 16 MiB connection in hex and as GBK text, find near its end, go to an offset, jump to the end and copy', async () => {
    const { web: w, page } = shared
    const { marker, needle } = await openConnection(w, page)
    const detail = page.getByRole('region', { name: 'Selected connection' })

    // Hex: offset | hex | ASCII, 16 bytes a row, control bytes as dots.
    await detail.getByRole('tab', { name: 'Hex' }).click()
    const hex = detail.getByRole('grid', { name: 'Hex bytes' })
    const row = (offset: number): Locator => hex.getByRole('row').filter({ hasText: new RegExp(`^${hex8(offset)}`) })
    await expect.poll(() => flat(row(0))).toBe('00000000 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f ................')
    expect(await flat(row(0x20))).toBe('00000020 48 65 6c 6c 6f 2c 20 74 63 70 73 63 6f 70 65 0d Hello, tcpscope.')
    // The GBK bytes of 你好 right after the CR LF.
    expect(await flat(row(0x30))).toMatch(/^00000030 0a c4 e3 ba c3 a3 ac ca c0 bd e7 0d 0a 74 61 62 \.{11}\.\.tab$/)
    expect(await hex.getAttribute('aria-rowcount')).toBe(String(TOTAL / 16))
    await saveScreenshot(page, 'byte-views-hex')

    // Text, in GBK: the Chinese text, line ends and control characters shown.
    await detail.getByRole('tab', { name: 'Text' }).click()
    await detail.getByLabel('Encoding').selectOption('gbk')
    const text = detail.getByRole('textbox', { name: 'Stream text' })
    await expect.poll(() => text.textContent()).toContain('你好，世界CRLF')
    const shown = (await text.textContent()) ?? ''
    expect(shown).toContain('NULSOHSTXETX')
    expect(shown).toContain('Hello, tcpscopeCRLF')
    expect(shown).toContain('tabHThere, escape ESC, delete DEL.LF')
    await saveScreenshot(page, 'byte-views-text-gbk')

    // Find a hex pattern near the end: the engine finds it, the hex view selects it.
    await page.keyboard.press('Control+f')
    const find = detail.getByRole('search', { name: 'Find in the stream' })
    await find.getByRole('radio', { name: 'Hex' }).click()
    const query = find.getByRole('textbox', { name: 'Find', exact: true })
    await query.fill('de ad zz')
    await expect.poll(() => flat(find.getByRole('status'))).toMatch(/^Not hex: bad hex digit "z"/)
    await query.fill('de ad be ef')
    await query.press('Enter')
    // Which match of how many is counted apart, so it may or may not be there yet.
    await expect.poll(() => flat(find.getByRole('status'))).toMatch(new RegExp(`^(\\d+ of \\d+\\+?: )?Match at 0x${hex8(marker)}, 4 bytes\\.$`))
    await detail.getByRole('tab', { name: 'Hex' }).click()
    const status = detail.getByRole('status').filter({ hasText: 'in all' })
    await expect.poll(() => flat(status)).toContain(`4 bytes selected, 0x${hex8(marker)}–0x${hex8(marker + 3)}`)
    await row(marker - (marker % 16)).waitFor()
    await saveScreenshot(page, 'byte-views-find-hex')

    // The text view opens where the hex view's selection is, 16 MiB in.
    await detail.getByRole('tab', { name: 'Text' }).click()
    await expect.poll(() => flat(status)).toContain(`4 bytes selected, 0x${hex8(marker)}–0x${hex8(marker + 3)}`)
    await expect.poll(() => text.textContent()).toContain('目标文本CRLF')

    // Find GBK text: typed in Chinese, encoded as the text view's encoding.
    await find.getByRole('radio', { name: 'Text' }).click()
    await query.fill('目标文本')
    await query.press('Enter')
    await expect.poll(() => flat(find.getByRole('status'))).toMatch(new RegExp(`^(\\d+ of \\d+\\+?: )?Match at 0x${hex8(needle)}, 8 bytes\\.$`))
    await expect.poll(() => flat(status)).toContain(`8 bytes selected, 0x${hex8(needle)}–0x${hex8(needle + 7)}`)
    await expect.poll(() => text.textContent()).toContain('目标文本CRLF')
    await saveScreenshot(page, 'byte-views-find-text')
    // Not there: said so.
    await query.fill('没有这个')
    await query.press('Enter')
    await expect.poll(() => flat(find.getByRole('status'))).toBe('Not found in client → server.')
    await query.press('Escape')
    await find.waitFor({ state: 'detached' })

    // Go to an offset, select four bytes with the keys, copy them.
    await detail.getByRole('tab', { name: 'Hex' }).click()
    await hex.click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('Control+g')
    await page.keyboard.type('0x20')
    await page.keyboard.press('Enter')
    await expect.poll(() => flat(status)).toContain('Offset 0x00000020 (32)')
    for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowRight')
    await expect.poll(() => flat(status)).toContain('5 bytes selected, 0x00000020–0x00000024')
    await page.keyboard.press('Control+c')
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('48 65 6c 6c 6f')
    await detail.getByLabel('Copy as').selectOption('escaped')
    await detail.getByRole('button', { name: 'Copy', exact: true }).click()
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('Hello')

    // Ctrl+End: the last row of a stream taller than any browser lets an element be.
    await hex.focus()
    await page.keyboard.press('Control+End')
    await row(TOTAL - 16).waitFor()
    await expect.poll(() => flat(status)).toContain(`Offset 0x${hex8(TOTAL - 1)} (${TOTAL - 1})`)
    await expect.poll(() => flat(row(TOTAL - 16))).toBe(`${hex8(TOTAL - 16)} ${'2e '.repeat(16).trim()} ${'.'.repeat(16)}`)
    await page.keyboard.press('Control+Home')
    await row(0).waitFor()
  })

  it('share one selection between hex and text, made with the mouse in either, and follow a live stream at its end', async () => {
    const { web: w, page } = shared
    const server = await startServer((s) => s.resume())
    cleanups.push(server.close)
    const driver = await w.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    cleanups.push(() => c.destroy())
    c.write(Buffer.concat([Buffer.from('hello world\n'), iconv.encode('中文\n', 'gbk')]))
    await selectRow(page.getByRole('grid', { name: 'Connections' }), `127.0.0.1:${server.port}`)
    const detail = page.getByRole('region', { name: 'Selected connection' })
    const status = detail.getByRole('status').filter({ hasText: 'in all' })

    // Drag over "hello" in the hex column: the same five bytes are selected in the text view.
    await detail.getByRole('tab', { name: 'Hex' }).click()
    await expect.poll(() => flat(status)).toBe('17 B in all')
    const hex = detail.getByRole('grid', { name: 'Hex bytes' })
    const hexCell = hex.getByRole('row').first().getByRole('gridcell').nth(1)
    const cellBox = (await hexCell.boundingBox())!
    // Three columns a byte, one more after the eighth: the middle of byte i's two digits.
    const ch = cellBox.width / ((await hexCell.textContent()) ?? '').length
    const byteX = (i: number): number => cellBox.x + ch * (3 * i + (i >= 8 ? 1 : 0) + 1)
    await page.mouse.move(byteX(0), cellBox.y + cellBox.height / 2)
    await page.mouse.down()
    await page.mouse.move(byteX(4), cellBox.y + cellBox.height / 2, { steps: 4 })
    await page.mouse.up()
    await expect.poll(() => flat(status)).toBe('Offset 0x00000004 (4) 5 bytes selected, 0x00000000–0x00000004 17 B in all')
    await detail.getByRole('tab', { name: 'Text' }).click()
    await expect.poll(() => flat(status)).toBe('Offset 0x00000000 (0) 5 bytes selected, 0x00000000–0x00000004 17 B in all')

    // Drag over "world" in the text: the hex view selects its bytes.
    const text = detail.getByRole('textbox', { name: 'Stream text' })
    const world = text.getByText(/world/)
    const box = (await world.boundingBox())!
    const chars = ((await world.textContent()) ?? '').length
    const at = (i: number): number => box.x + (box.width * (i + 0.5)) / chars
    const from = ((await world.textContent()) ?? '').indexOf('world')
    await page.mouse.move(at(from), box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(at(from + 4), box.y + box.height / 2, { steps: 4 })
    await page.mouse.up()
    await expect.poll(() => flat(status)).toContain('5 bytes selected, 0x00000006–0x0000000a')
    await detail.getByRole('tab', { name: 'Hex' }).click()
    await expect.poll(() => flat(status)).toContain('5 bytes selected, 0x00000006–0x0000000a')

    // At the end of a live stream, the hex view follows it as it grows.
    await hex.focus()
    await page.keyboard.press('Control+End')
    await expect.poll(() => flat(status)).toContain('Offset 0x00000010 (16)')
    c.write(Buffer.alloc(4000, 0x41))
    const lastRow = (4017 - 1) & ~15
    await expect.poll(() => flat(hex.getByRole('row').last())).toBe(`${hex8(lastRow)} 41 A`)
    await expect.poll(() => flat(status)).toContain('3.92 KiB in all')
  })

  it('reads in Chinese, in the dark theme', async () => {
    const { web: w, page } = shared
    await showAs(page, { language: 'zh-CN', colorScheme: 'dark', width: 1280, height: 860 })
    await openConnection(w, page, LIST.zh)
    const detail = page.getByRole('region', { name: '所选连接' })
    await detail.getByRole('tab', { name: '文本' }).click()
    await detail.getByLabel('编码').selectOption('gbk')
    await expect.poll(() => detail.getByRole('textbox', { name: '流文本' }).textContent()).toContain('你好，世界CRLF')
    await page.keyboard.press('Control+f')
    const find = detail.getByRole('search', { name: '在流中查找' })
    await find.getByRole('textbox', { name: '查找', exact: true }).fill('目标文本')
    await find.getByRole('textbox', { name: '查找', exact: true }).press('Enter')
    await expect.poll(() => flat(find.getByRole('status'))).toMatch(/^(第 \d+ \/ \d+\+? 个：)?在 0x[0-9a-f]{8} 处匹配，8 字节。$/)
    await saveScreenshot(page, 'byte-views-text-zh-dark')
    await detail.getByRole('tab', { name: '十六进制', exact: true }).click()
    await expect.poll(() => flat(detail.getByRole('status').filter({ hasText: '已选' }))).toContain('已选 8 字节')
    await saveScreenshot(page, 'byte-views-hex-zh-dark')
  })
})

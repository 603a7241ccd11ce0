// What the e2e tests of a device's own protocol in the Messages tab share (ksy-decode-as,
// script-decode-as): the device, the proxy, and the steps through "Decode as…" are the same
// for every framing that names a file; what differs is the framing's choice, its path box, the
// file that does not load with the line it gets, and the file that decodes the device.
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { expect } from 'vitest'
import { startServer, tempDir, portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { saveScreenshot, screenshotPath } from '../helpers/browser'
import { violations, expectNone } from '../helpers/accessibility'
import { concat, hello, reading } from '../core/protocols/ksy/ksy-frames'

export type Lang = 'en' | 'zh'

export interface DeviceFraming {
  /** The Framing choice's value; also the screenshots' prefix (test-results/<kind>-decode-as-<lang>.png). */
  kind: 'ksy' | 'script'
  /** The accessible name of the path box the choice shows, in each language. */
  pathBox: Record<Lang, string>
  /** A file that does not load, and what the dialog's one line says of it. */
  broken: { name: string; text: string; says: RegExp }
  /** The file that decodes the device. */
  file: string
  /** What the axe scans are called: `Decode as <title>`, `<title> fields`. */
  title: string
  /** What the third message's row (the reading at -4.80°) says in the list. */
  readingRow: string
}

const FRAMES = concat([hello(0, 'thermo-1', [2, 1, 0]), reading(1, 1, 2150, [7, 8]), reading(2, 1, -480, []), reading(3, 2, -15, [9])])

/** A device that sends its frames in pieces of 1 to 5 bytes, then closes. */
async function device(cleanups: Array<() => unknown>): Promise<number> {
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
  en: { grid: 'Connections', detail: 'Selected connection', tab: 'Messages', noFraming: /^No framing: the bytes read as a stream/, decodeAs: 'Decode as…', framing: 'Framing', apply: 'Apply', filter: 'Filter messages', fields: 'Message fields' },
  zh: { grid: '连接', detail: '所选连接', tab: '消息', noFraming: /^未分帧：数据按字节流显示/, decodeAs: '解码为…', framing: '分帧', apply: '应用', filter: '过滤消息', fields: '消息字段' }
}

/**
 * The device's connection, through a proxy, read as a byte stream until "Decode as…" names
 * `f`'s file (after its broken one is refused in one line); then every frame is one message,
 * a reading's fields are listed by name, and the filter's `field:` word picks the cold ones.
 */
export async function decodeDeviceAs(cleanups: Array<() => unknown>, lang: Lang, f: DeviceFraming): Promise<void> {
  const w = WORDS[lang]
  const port = await device(cleanups)
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
  const grid = page.getByRole('grid', { name: w.grid, exact: true })
  const row = grid.getByRole('row').nth(1)
  // A click while the live list redraws the row just after the connection ended can miss (1 of
  // 2 runs in one CI, 0 of many alone): clicked again until the row is the selection, as a
  // person would.
  for (let tries = 1; ; tries++) {
    await row.click()
    try {
      await grid.getByRole('row', { selected: true }).waitFor({ timeout: 3000 })
      break
    } catch (err) {
      if (tries === 3) throw err
    }
  }
  const detail = page.getByRole('region', { name: w.detail })
  await detail.getByRole('tab', { name: w.tab, exact: true }).click()

  // A file that does not load: one line in the dialog.
  const bad = tempDir()
  cleanups.push(bad.cleanup)
  const broken = join(bad.dir, f.broken.name)
  writeFileSync(broken, f.broken.text)
  // The tab shows its filter bar (with a "Decode as…" of its own) until its first page says the
  // bytes have no framing, then this note and its button instead: a click as the one gives way
  // to the other can land on neither (1 run in many, on a loaded CI).
  await detail.getByText(w.noFraming).waitFor()
  await detail.getByRole('button', { name: w.decodeAs }).click()
  const dialog = page.getByRole('dialog', { name: /#\d+/ })
  await dialog.getByRole('combobox', { name: w.framing, exact: true }).selectOption(f.kind)
  await dialog.getByRole('textbox', { name: f.pathBox[lang] }).fill(broken)
  await dialog.getByRole('button', { name: w.apply, exact: true }).click()
  await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(f.broken.says)

  await dialog.getByRole('textbox', { name: f.pathBox[lang] }).fill(f.file)
  await saveScreenshot(page, `${f.kind}-decode-as-${lang}`)
  expectNone(await violations(page, `Decode as ${f.title} (${lang})`))
  await dialog.getByRole('button', { name: w.apply, exact: true }).click()
  await dialog.waitFor({ state: 'detached' })

  // Every frame one message, whatever TCP did; a reading's fields by the names the file gives.
  const list = detail.getByRole('listbox', { name: /^(Messages|消息)/ })
  await expect.poll(() => list.getByRole('option').count()).toBe(4)
  await list.getByRole('option').nth(2).click()
  const fields = detail.getByRole('region', { name: w.fields })
  const tree = await fields.getByRole('tree').textContent()
  expect(tree).toContain('temperature_centi')
  expect(tree).toContain('-480')
  expect(tree).toContain('reading (2)')
  expect(await list.getByRole('option').nth(2).textContent()).toContain(f.readingRow)
  await saveScreenshot(page, `${f.kind}-fields-${lang}`)
  expectNone(await violations(page, `${f.title} fields (${lang})`))

  // field: words in the filter.
  const words = 'field:temperature_centi<0'
  await detail.getByRole('searchbox', { name: w.filter }).fill(words)
  try {
    await expect.poll(() => list.getByRole('option').count()).toBe(2)
  } catch (err) {
    // Seen twice in many runs, never alone: what the list showed and what the engine answers
    // now, so that the next time says why.
    const said = await (async () => {
      await page.screenshot({ path: screenshotPath(`${f.kind}-filter-failed-${lang}`) })
      const shown = await list.getByRole('option').allTextContents()
      const conn = (await driver.call('conn.page', { capture: 'live', offset: 0, limit: 1 })).rows[0]
      const answer = conn ? await driver.call('msg.page', { capture: 'live', connId: conn.id, filter: words, fields: true }) : undefined
      return `shown: ${JSON.stringify(shown)}\nthe engine now: ${JSON.stringify(answer?.messages.map((m) => [m.index, m.summary, m.incomplete ?? false]))} of ${answer?.of}, total ${answer?.total}`
    })().catch((e: unknown) => `(no more said: ${(e as Error).message})`)
    throw new Error(`${(err as Error).message}\n${said}`)
  }
}

// Captures as documents in real Chromium against `tcpscope web`: open a file by its path,
// upload one with the Open dialog's file input and by dropping it on the window, see a file
// that is not a capture refused in one line, save the live capture (asked before replacing
// a capture, refused over a file that is not one) and open the copy again
// from the recent files, cancel an open and an upload under way, and switch between many
// open captures. Selects by role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { collect, connectTo, startServer, tempDir, waitFor, portOf } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot, type Browser } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { sampleClientPort, writeSampleCapture } from '../helpers/sample-capture'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function browser(opts: Parameters<typeof openBrowser>[0] = {}): Promise<Browser> {
  const b = await openBrowser(opts)
  cleanups.push(() => b.close())
  return b
}

async function web(args: string[] = []): Promise<WebMode> {
  const w = await startWeb(args)
  cleanups.push(() => w.stop('SIGINT'))
  return w
}

function folder(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

/**
 * Holds the engine still (SIGSTOP), so an operation the page starts is surely under way when
 * Cancel is clicked, whatever the machine's speed; `release` lets it go on (SIGCONT).
 */
function holdEngine(w: WebMode): { release: () => void } {
  const pid = w.cli.child.pid!
  process.kill(pid, 'SIGSTOP')
  let held = true
  const release = (): void => {
    if (held) process.kill(pid, 'SIGCONT')
    held = false
  }
  cleanups.push(release)
  return { release }
}

/** What the engine's uploads folder holds (files, and the folders of uploads under way). */
function uploadsHeld(w: WebMode): string[] {
  const tmp = process.env.TMPDIR!
  return readdirSync(tmp)
    .filter((n) => n.startsWith(`tcpscope-uploads-${w.cli.child.pid}-`))
    .flatMap((d) => readdirSync(join(tmp, d), { recursive: true }).map(String))
}

const tabs = (page: Page) => page.getByRole('navigation', { name: 'Open captures' })
const grid = (page: Page) => page.getByRole('grid', { name: 'Connections' })

/** A DataTransfer in the page holding one file, as a drag from the desktop would carry it. */
function filesToDrop(page: Page, name: string, bytes: Buffer) {
  return page.evaluateHandle(
    ({ name, base64 }) => {
      const dt = new DataTransfer()
      dt.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name))
      return dt
    },
    { name, base64: bytes.toString('base64') }
  )
}

async function openDialog(page: Page) {
  await page.getByRole('button', { name: 'Open capture…' }).click()
  return page.getByRole('dialog', { name: 'Open a capture file' })
}

describe('captures as documents, in Chromium', () => {
  it('opens a file by its path, uploads one by the file input and one by a drop, and refuses a non-capture in one line', async () => {
    const dir = folder()
    const byPath = join(dir, 'by-path.tcap')
    await writeSampleCapture(byPath, { connections: 2 })
    const uploaded = join(dir, 'uploaded.tcap')
    await writeSampleCapture(uploaded, { connections: 3 })
    const notes = join(dir, 'notes.txt')
    writeFileSync(notes, 'meeting notes, not a capture\n')

    const w = await web()
    const { page } = await browser()
    await page.goto(w.url)
    await tabs(page).getByRole('button', { name: /^live 0$/ }).waitFor()

    // By path: the dialog closes, the file's tab is on screen with its connections.
    let dialog = await openDialog(page)
    await dialog.getByLabel('Path on the engine host').fill(byPath)
    await dialog.getByRole('button', { name: 'Open', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await expect.poll(() => tabs(page).getByRole('button', { name: /^by-path\.tcap 2$/ }).getAttribute('aria-pressed')).toBe('true')
    await grid(page).getByRole('gridcell', { name: `10.0.0.7:${sampleClientPort(1)}` }).waitFor()

    // A file that is not a capture, through the file input: one line, in the dialog, and nothing opened.
    dialog = await openDialog(page)
    await dialog.getByLabel('Upload capture…').setInputFiles(notes)
    const alert = dialog.getByRole('alert')
    await expect.poll(() => alert.textContent()).toBe('notes.txt is not a tcpscope capture file (no TCPSCAP header)')
    await saveScreenshot(page, 'documents-upload-error')
    expect(await tabs(page).getByRole('button', { name: /^notes\.txt/ }).count()).toBe(0)
    await expect.poll(() => uploadsHeld(w)).toEqual([])

    // A capture, through the file input: uploaded, opened under its own name.
    await dialog.getByLabel('Upload capture…').setInputFiles(uploaded)
    await dialog.waitFor({ state: 'detached' })
    await tabs(page).getByRole('button', { name: /^uploaded\.tcap 3$/ }).waitFor()
    await grid(page).getByRole('gridcell', { name: `10.0.0.7:${sampleClientPort(1)}` }).waitFor()

    // A capture dropped on the window: the hint while dragging, then uploaded and opened.
    const dataTransfer = await filesToDrop(page, 'dropped.tcap', readFileSync(uploaded))
    const body = page.locator('body')
    await body.dispatchEvent('dragenter', { dataTransfer })
    await page.getByText('Drop a capture file to open it').waitFor()
    await saveScreenshot(page, 'documents-drop-hint')
    await body.dispatchEvent('drop', { dataTransfer })
    await tabs(page).getByRole('button', { name: /^dropped\.tcap 3$/ }).waitFor()
    expect(await page.getByText('Drop a capture file to open it').count()).toBe(0)
    // Polled: the tab comes with the engine's list of captures, and is chosen when the upload's answer comes.
    await expect.poll(() => tabs(page).getByRole('button', { name: /^dropped\.tcap 3$/ }).getAttribute('aria-pressed')).toBe('true')

    // A non-capture dropped: the same one line, in the window's activity panel.
    const junk = await filesToDrop(page, 'picture.gif', Buffer.from('GIF89a, not a capture'))
    await body.dispatchEvent('drop', { dataTransfer: junk })
    const panel = page.getByRole('region', { name: 'Capture files' })
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('picture.gif is not a tcpscope capture file (no TCPSCAP header)')
    await saveScreenshot(page, 'documents-drop-error')
    await panel.getByRole('button', { name: 'Dismiss' }).click()
    await panel.waitFor({ state: 'detached' })

    // What the engine holds: the live capture and the three files, all with their names.
    const driver = await w.client()
    expect((await driver.call('capture.list')).map((c) => c.name).slice(1)).toEqual(['by-path.tcap', 'uploaded.tcap', 'dropped.tcap'])
  })

  it('saves the live capture under a name, lists it in recent files, and opens it again with the same connections', async () => {
    const dir = folder()
    const w = await web()
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const driver = await w.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    for (const text of ['one', 'two']) {
      const c = await connectTo(portOf(proxy.listen))
      const echoed = collect(c)
      c.end(text)
      await echoed
    }
    const { page } = await browser()
    await page.goto(w.url)
    await tabs(page).getByRole('button', { name: /^live 2$/ }).waitFor()
    // Read once the rows are there and decoded (on a busy machine they come as "…" first, then without their protocol).
    const settled = async (): Promise<string[]> => grid(page).getByRole('row').allTextContents()
    await expect.poll(async () => (await settled()).filter((r) => r.includes('raw') && r.includes('closed')).length).toBe(2)
    const liveClients = await settled()

    const copy = join(dir, 'saved copy.tcap')
    await page.keyboard.press('Control+s')
    const save = page.getByRole('dialog', { name: 'Save the live capture as' })
    await save.getByLabel('Path on the engine host').fill(copy)
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => save.getByRole('status').textContent()).toBe(`Saved 2 connections to ${copy}`)
    expect(statSync(copy).size).toBeGreaterThan(0)
    // Saving again asks first, with the safe answer focused: "Keep it" writes nothing.
    const before = readFileSync(copy)
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    const ask = save.getByRole('alertdialog', { name: 'Replace the existing capture?' })
    await expect.poll(() => ask.textContent()).toContain(`A capture file already exists at ${copy}. Replace it with the live capture?`)
    await expect.poll(() => ask.getByRole('button', { name: 'Keep it' }).evaluate((b) => b === document.activeElement)).toBe(true)
    expect(await save.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true)
    await saveScreenshot(page, 'documents-replace-question')
    await page.keyboard.press('Enter')
    await ask.waitFor({ state: 'detached' })
    expect(readFileSync(copy).equals(before)).toBe(true)

    // A file that is not a capture is refused in one line, and kept as it was.
    const notes = join(dir, 'notes.txt')
    writeFileSync(notes, 'precious')
    await save.getByLabel('Path on the engine host').fill(notes)
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => save.getByRole('alert').textContent()).toMatch(/notes\.txt is not a tcpscope capture, and only captures are ever replaced; pick another name$/)
    expect(readFileSync(notes, 'utf8')).toBe('precious')

    // Asked again, "Replace" replaces the capture.
    await save.getByLabel('Path on the engine host').fill(copy)
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    await ask.getByRole('button', { name: 'Replace' }).click()
    await expect.poll(() => save.getByRole('status').textContent()).toBe(`Saved 2 connections to ${copy}`)
    await save.getByRole('button', { name: 'Close' }).click()

    // A recent file that has gone since, beside the copy: both listed.
    const gone = join(dir, 'gone.tcap')
    await writeSampleCapture(gone)
    let dialog = await openDialog(page)
    await dialog.getByLabel('Path on the engine host').fill(gone)
    await dialog.getByRole('button', { name: 'Open', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await tabs(page).getByRole('button', { name: 'Close gone.tcap' }).click()
    await expect.poll(() => tabs(page).getByRole('button', { name: /^gone\.tcap/ }).count()).toBe(0)
    rmSync(gone)

    dialog = await openDialog(page)
    const recent = dialog.getByRole('list', { name: 'Recent files' })
    await recent.getByRole('button', { name: `Open ${copy}` }).waitFor()
    await recent.getByRole('button', { name: `Open ${gone}` }).waitFor()
    await saveScreenshot(page, 'documents-open-recent')

    // The gone one: one line, and off the list.
    await recent.getByRole('button', { name: `Open ${gone}` }).click()
    await expect.poll(() => dialog.getByRole('alert').textContent()).toBe(`no such file: ${gone} (removed from recent files)`)
    expect(await recent.getByRole('button', { name: `Open ${gone}` }).count()).toBe(0)

    // The copy: the same connections as the live capture showed.
    await recent.getByRole('button', { name: `Open ${copy}` }).click()
    await dialog.waitFor({ state: 'detached' })
    await expect.poll(() => tabs(page).getByRole('button', { name: /^saved copy\.tcap 2$/ }).getAttribute('aria-pressed')).toBe('true')
    await expect.poll(() => grid(page).getByRole('row').count()).toBe(liveClients.length)
    // The same rows but for the state: a connection the save caught open is "open when saved" in the copy; these had closed.
    // (Polled: the protocol column fills in once decoding of the opened copy reaches its rows.)
    await expect.poll(() => grid(page).getByRole('row').allTextContents()).toEqual(liveClients)
  })

  it('cancels an open and an upload under way', async () => {
    const dir = folder()
    const big = join(dir, 'big.tcap')
    // No stored index: opening it walks every record.
    await writeSampleCapture(big, { connections: 500, chunks: 100, withoutIndex: true })
    const w = await web()
    const { page } = await browser()
    await page.goto(w.url)
    await tabs(page).getByRole('button', { name: /^live 0$/ }).waitFor()

    const dialog = await openDialog(page)
    await dialog.getByLabel('Path on the engine host').fill(big)
    let engine = holdEngine(w)
    await dialog.getByRole('button', { name: 'Open', exact: true }).click()
    let progress = dialog.getByRole('group', { name: 'Opening big.tcap' })
    await progress.getByRole('progressbar').waitFor()
    // The engine says nothing of how far an open is: the bar is indeterminate, the time goes by.
    expect(await progress.getByRole('progressbar').getAttribute('value')).toBeNull()
    // The clock moves: the indicator is alive while the engine is busy.
    await expect.poll(() => progress.textContent()).toMatch(/[1-9]\.\d s|0\.[1-9] s/)
    await saveScreenshot(page, 'documents-progress-open')
    await progress.getByRole('button', { name: 'Cancel' }).click()
    await progress.getByRole('button', { name: 'Cancelling…' }).waitFor()
    engine.release()
    await expect.poll(() => dialog.getByRole('status').textContent()).toBe('Opening big.tcap was cancelled.')
    const driver = await w.client()
    expect((await driver.call('capture.list')).map((c) => c.id)).toEqual(['live'])

    // An upload: cancelled while the engine holds it; what the engine took is dropped.
    engine = holdEngine(w)
    await dialog.getByLabel('Upload capture…').setInputFiles(big)
    progress = dialog.getByRole('group', { name: 'Uploading big.tcap' })
    await expect.poll(() => progress.textContent()).toMatch(/0 B of \d+\.\d+ MiB · 0%/)
    await saveScreenshot(page, 'documents-progress-upload')
    await progress.getByRole('button', { name: 'Cancel' }).click()
    engine.release()
    await expect.poll(() => dialog.getByRole('status').textContent()).toBe('Uploading big.tcap was cancelled.')
    await waitFor(() => uploadsHeld(w).length === 0, 'the engine to drop the cancelled upload')
    expect((await driver.call('capture.list')).map((c) => c.id)).toEqual(['live'])

    // Not cancelled, the same file opens.
    await dialog.getByRole('button', { name: 'Open', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await tabs(page).getByRole('button', { name: /^big\.tcap 500$/ }).waitFor()

    // A drop's upload shows in the window's activity panel, and is cancelled there.
    const dataTransfer = await filesToDrop(page, 'dropped-big.tcap', readFileSync(big))
    engine = holdEngine(w)
    await page.locator('body').dispatchEvent('drop', { dataTransfer })
    const panel = page.getByRole('region', { name: 'Capture files' })
    progress = panel.getByRole('group', { name: 'Uploading dropped-big.tcap' })
    await expect.poll(() => progress.textContent()).toMatch(/0 B of \d+\.\d+ MiB · 0%/)
    await saveScreenshot(page, 'documents-progress-panel')
    await progress.getByRole('button', { name: 'Cancel' }).click()
    engine.release()
    await expect.poll(() => panel.getByRole('status').textContent()).toContain('Uploading dropped-big.tcap was cancelled.')
    await waitFor(() => uploadsHeld(w).length === 0, 'the engine to drop the cancelled upload')
    expect((await driver.call('capture.list')).map((c) => c.name)).toEqual([expect.stringMatching(/\.tcap$/), 'big.tcap'])
  })

  it('web --open FILE shows FILE: its tab is the one selected, with its connections listed', async () => {
    const dir = folder()
    const first = join(dir, 'first.tcap')
    await writeSampleCapture(first, { connections: 1 })
    const asked = join(dir, 'asked-for.tcap')
    await writeSampleCapture(asked, { connections: 2 })
    const w = await web(['--open', first, '--open', asked])
    const { page } = await browser()
    await page.goto(w.url)
    const nav = tabs(page)
    // The last file given is in front, not the empty live capture.
    await expect.poll(() => nav.getByRole('button', { pressed: true }).textContent()).toMatch(/^asked-for\.tcap 2$/)
    expect(await nav.getByRole('button', { name: /^live 0$/ }).getAttribute('aria-pressed')).toBe('false')
    await grid(page).getByRole('gridcell', { name: `10.0.0.7:${sampleClientPort(1)}` }).waitFor()
    expect(await grid(page).getAttribute('aria-rowcount')).toBe('3')
    await saveScreenshot(page, 'documents-web-open')
  })

  it('many open captures: the tabs scroll, a menu lists them all, [ and ] step through them, × closes', async () => {
    const dir = folder()
    const files: string[] = []
    for (let i = 1; i <= 9; i++) {
      const f = join(dir, `session-${i}-with-a-longer-name.tcap`)
      await writeSampleCapture(f, { connections: i })
      files.push(f)
    }
    const w = await web(files.flatMap((f) => ['--open', f]))
    const { page } = await browser({ width: 1000 })
    await page.goto(w.url)
    const nav = tabs(page)
    await nav.getByRole('button', { name: /^session-9-with-a-longer-name\.tcap 9$/ }).waitFor({ state: 'attached' })

    const more = nav.getByRole('button', { name: 'All open captures (10)' })
    await more.click()
    const menu = page.getByRole('menu', { name: 'All open captures (10)' })
    expect(await menu.getByRole('menuitemradio').count()).toBe(10)
    // The file opened last is on screen.
    expect(await menu.getByRole('menuitemradio', { name: /^session-9/ }).getAttribute('aria-checked')).toBe('true')
    await saveScreenshot(page, 'documents-tabs-overflow')
    // Keys in the menu: down twice from the one on screen (round the end, past live), Enter.
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    await menu.waitFor({ state: 'detached' })
    const pressed = () => nav.getByRole('button', { pressed: true }).textContent()
    await expect.poll(pressed).toMatch(/^session-1-with-a-longer-name\.tcap 1$/)

    // [ and ] step, round the ends.
    await page.keyboard.press(']')
    await expect.poll(pressed).toMatch(/^session-2/)
    for (let i = 0; i < 3; i++) await page.keyboard.press('[')
    await expect.poll(pressed).toMatch(/^session-9/)
    // The one on screen is scrolled into view.
    expect(await nav.getByRole('button', { name: /^session-9/ }).isVisible()).toBe(true)

    // × closes the one on screen; the one before it takes its place.
    await nav.getByRole('button', { name: 'Close session-9-with-a-longer-name.tcap' }).click()
    await expect.poll(pressed).toMatch(/^session-8/)
    // The neighbour is chosen before the engine is asked to close it: its tab goes once the engine has.
    await expect.poll(() => nav.getByRole('button', { name: /^session-9/, includeHidden: true }).count()).toBe(0)
    const driver = await w.client()
    expect(await driver.call('capture.list')).toHaveLength(9)

    // The shortcut is in the help.
    await page.keyboard.press('?')
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByText('Previous / next open capture').waitFor()
  })

  it('the Open dialog in Chinese and the dark theme', async () => {
    const dir = folder()
    const w = await web()
    const { page } = await browser({ locale: 'zh-CN', colorScheme: 'dark' })
    await page.goto(w.url)
    const copy = join(dir, '抓包-副本.tcap')
    await page.getByRole('button', { name: '抓包另存为…' }).click()
    const save = page.getByRole('dialog', { name: '将实时抓包另存为' })
    await save.getByLabel('引擎主机上的路径').fill(copy)
    await save.getByRole('button', { name: '保存', exact: true }).click()
    await expect.poll(() => save.getByRole('status').textContent()).toBe(`已将 0 个连接保存到 ${copy}`)
    // Replacing it is asked in Chinese too.
    await save.getByRole('button', { name: '保存', exact: true }).click()
    const ask = save.getByRole('alertdialog', { name: '替换已有的抓包？' })
    await expect.poll(() => ask.textContent()).toContain(`${copy} 处已有一个抓包文件。`)
    await saveScreenshot(page, 'documents-replace-question-zh-dark')
    await ask.getByRole('button', { name: '替换' }).click()
    await expect.poll(() => save.getByRole('status').textContent()).toBe(`已将 0 个连接保存到 ${copy}`)
    await save.getByRole('button', { name: '关闭' }).click()
    const dialog = page.getByRole('dialog', { name: '打开抓包文件' })
    await page.getByRole('button', { name: '打开抓包…' }).click()
    await dialog.getByRole('list', { name: '最近的文件' }).getByRole('button', { name: `打开 ${copy}` }).waitFor()
    await dialog.getByLabel('上传抓包…').setInputFiles({ name: '笔记.txt', mimeType: 'text/plain', buffer: Buffer.from('不是抓包') })
    await expect.poll(() => dialog.getByRole('alert').textContent()).toBe('笔记.txt is not a tcpscope capture file (no TCPSCAP header)')
    await saveScreenshot(page, 'documents-open-dialog-zh-dark')
  })
})

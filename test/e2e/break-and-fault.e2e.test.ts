// Changing traffic in flight from the page served by `tcpscope web`, in real Chromium: a
// breakpoint added in a proxy's Breakpoints panel holds a client's chunk, the Held queue
// shows it, the text is edited and F8 forwards it (the server gets the edit, the
// conversation says so); Shift+F8 forwards the rest; a toxic added in the Faults panel and
// edited there delays a round trip by its new latency and its "delayed" mark shows; bytes injected from the connection's
// action bar reach the server; RST to the client resets it; a held HTTP response is edited
// in its parts, its body as GBK text. Selects by role and name only.
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { startServer } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { promisify } from 'node:util'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function open(opts: Parameters<typeof openBrowser>[0] = {}): Promise<Page> {
  const web = await startWeb()
  cleanups.push(() => web.stop('SIGINT'))
  const b = await openBrowser({ height: 900, width: 1400, ...opts })
  cleanups.push(() => b.close())
  await b.page.goto(web.url)
  await b.page.getByRole('navigation', { name: /^(Open captures|已打开的抓包)$/ }).getByRole('button').first().waitFor()
  return b.page
}

/** A proxy started from the toolbar's form, to `target`; its listening port. */
async function startProxy(page: Page, target: number): Promise<number> {
  await page.getByRole('toolbar').first().getByRole('button', { name: /New proxy|新建代理/ }).click()
  const form = page.getByRole('dialog').first()
  await form.getByLabel(/^(Target|目标地址)$/).fill(`127.0.0.1:${target}`)
  await form.getByRole('button', { name: /^(Start|启动)$/ }).click()
  await form.waitFor({ state: 'detached' })
  const item = page.getByRole('region', { name: /Proxies|代理/ }).getByRole('button', { name: /^p\d+ 127\.0\.0\.1:\d+/ })
  return Number(/127\.0\.0\.1:(\d+)/.exec((await item.textContent()) ?? '')![1])
}

/**
 * How much wider a select is than the words of its chosen option need, in px: below 0 they are
 * cut. (A select's scrollWidth is its clientWidth, cut or not: a copy holding only that option,
 * as wide as it wants, says what it needs.)
 */
const selectRoom = (select: Locator): Promise<number> =>
  select.evaluate((el: HTMLSelectElement) => {
    const style = getComputedStyle(el)
    const probe = document.createElement('select')
    probe.append(new Option(el.selectedOptions[0]?.text ?? ''))
    Object.assign(probe.style, {
      position: 'absolute',
      visibility: 'hidden',
      width: 'auto',
      fontFamily: style.fontFamily,
      fontSize: style.fontSize,
      fontWeight: style.fontWeight,
      padding: style.padding,
      border: style.border
    })
    document.body.append(probe)
    const need = probe.getBoundingClientRect().width
    probe.remove()
    return el.getBoundingClientRect().width - need
  })

async function recordingServer(): Promise<{ port: number; got: () => string; sockets: Socket[] }> {
  const parts: Buffer[] = []
  const sockets: Socket[] = []
  const server = await startServer((s) => {
    s.on('error', () => {})
    sockets.push(s)
    s.on('data', (c: Buffer) => {
      parts.push(c)
      s.write(c)
    })
  })
  cleanups.push(() => server.close())
  return { port: server.port, got: () => Buffer.concat(parts).toString(), sockets }
}

/** A client whose echoed bytes are read as they come (`echoed` on the socket). */
async function client(port: number): Promise<Socket & { echoed: string }> {
  const c = Object.assign(connect({ port, host: '127.0.0.1' }), { echoed: '' })
  c.on('error', () => {})
  c.on('data', (d: Buffer) => (c.echoed += d.toString()))
  await once(c, 'connect')
  cleanups.push(() => c.destroy())
  return c
}

describe('break and fault from the UI, in Chromium', () => {
  it('holds a chunk, edits it, forwards it with F8 and shows the edit in the conversation', async () => {
    const page = await open()
    const server = await recordingServer()
    const port = await startProxy(page, server.port)

    await page.getByRole('button', { name: 'Breakpoints of p1…' }).click()
    const panel = page.getByRole('dialog', { name: 'Breakpoints of p1' })
    await panel.getByLabel('Hold', { exact: true }).selectOption('text')
    await panel.getByLabel('Direction', { exact: true }).selectOption('upstream')
    await panel.getByLabel('Pattern').fill('PASS')
    await panel.getByRole('button', { name: 'Add breakpoint' }).click()
    await panel.getByRole('table', { name: 'Breakpoints' }).getByRole('switch', { name: 'Breakpoint b1 on' }).waitFor()
    await saveScreenshot(page, 'break-rules')
    await panel.getByRole('button', { name: 'Close' }).click()
    const proxies = page.getByRole('region', { name: 'Proxies' })
    await proxies.getByText('1 breakpoint').waitFor()
    // A count of what the proxy is set to do reads as the counts above it do, not in the
    // colour of errors (it was red).
    const colour = (l: Locator): Promise<string> => l.evaluate((el) => getComputedStyle(el).color)
    expect(await colour(proxies.getByText('1 breakpoint'))).toBe(await colour(proxies.getByText(/^\d+ open · \d+ accepted$/)))

    const c = await client(port)
    c.write('USER bob\r\n')
    await expect.poll(() => server.got()).toBe('USER bob\r\n')
    c.write('PASS secret\r\n')
    const queue = page.getByRole('region', { name: 'Held messages' })
    const row = queue.getByRole('listbox', { name: 'Messages held by breakpoints' }).getByRole('option', { name: /^client → target chunk: #1 13 B PASS secret·· forwarded unchanged in \d+ s, rule b1$/ })
    await row.waitFor()
    await page.getByRole('status', { name: 'Status' }).getByText('1 held').waitFor()
    const editor = queue.getByRole('textbox', { name: 'Held message 1' })
    await editor.waitFor()
    await saveScreenshot(page, 'held-queue')
    // The text as typed: "PASS secret" becomes "PASS guessed" (Enter types the CRLF).
    await editor.click()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('PASS guessed')
    await page.keyboard.press('Enter')
    await queue.getByRole('button', { name: 'Forward edited F8: held message 1' }).waitFor()
    await page.keyboard.press('F8')
    await expect.poll(() => server.got()).toBe('USER bob\r\nPASS guessed\r\n')
    await queue.waitFor({ state: 'detached' })

    // The conversation says what the breakpoint did, and shows the edit.
    await page.getByRole('grid', { name: 'Connections' }).getByRole('row').nth(1).click()
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'Conversation' }).click()
    const feed = detail.getByRole('feed', { name: 'Conversation' })
    const mark = feed.getByRole('article', { name: /^breakpoint b1: edited: 13 B → 14 B after \d+\.\d s at / })
    await mark.waitFor()
    await mark.getByRole('button', { name: 'Show the edit' }).click()
    const diff = page.getByRole('dialog', { name: 'Edited by breakpoint b1' })
    await expect.poll(async () => (await diff.getByRole('group').textContent()) ?? '').toContain('+PASS guessed')
    await saveScreenshot(page, 'break-edit-diff')
    await diff.getByRole('button', { name: 'Close' }).click()

    // Two more held; Shift+F8 lets them all go and turns the breakpoint off.
    c.write('PASS 2\r\n')
    await row.page().getByRole('option', { name: /^client → target chunk: #1 8 B / }).waitFor()
    await page.keyboard.press('Shift+F8')
    await expect.poll(() => server.got()).toBe('USER bob\r\nPASS guessed\r\nPASS 2\r\n')
    c.write('PASS 3\r\n')
    await expect.poll(() => server.got()).toContain('PASS 3')
  })

  it('adds a toxic in the Faults panel, shows its effect, injects bytes and resets a side', async () => {
    const page = await open({ colorScheme: 'dark' })
    const server = await recordingServer()
    const port = await startProxy(page, server.port)
    const c = await client(port)
    c.write('hi')
    await expect.poll(() => server.got()).toBe('hi')

    await page.getByRole('button', { name: 'Faults of p1…' }).click()
    const panel = page.getByRole('dialog', { name: 'Faults of p1' })
    // The stream's words are whole in its select ("downstream (target → client)" was cut).
    const stream = panel.getByRole('combobox', { name: 'Stream' })
    for (const way of ['downstream', 'upstream', 'both']) {
      await stream.selectOption(way)
      expect(await selectRoom(stream), way).toBeGreaterThanOrEqual(0)
    }
    await stream.selectOption('downstream')
    await panel.getByLabel('Type', { exact: true }).selectOption('latency')
    await panel.getByLabel('latency (ms)').fill('300')
    // A match the engine refuses is said under Match, and nothing is added.
    const match = panel.getByLabel('Match', { exact: true })
    await match.fill('colour:red')
    await panel.getByRole('button', { name: 'Add toxic' }).click()
    await expect.poll(() => match.getAttribute('aria-invalid')).toBe('true')
    await panel.getByText(/^toxic match: unknown filter word "colour:"/).waitFor()
    await saveScreenshot(page, 'faults-match-refused')
    await match.fill('')
    await panel.getByRole('button', { name: 'Add toxic' }).click()
    const table = panel.getByRole('table', { name: 'Toxics' })
    await table.getByRole('cell', { name: 'latency_downstream', exact: true }).waitFor()
    await table.getByRole('cell', { name: 'latency=300 jitter=0', exact: true }).waitFor()
    await saveScreenshot(page, 'faults-panel')
    // Off, then on again: the switch is live.
    const toggle = table.getByRole('switch', { name: 'Toxic latency_downstream on' })
    await toggle.click()
    await expect.poll(() => toggle.isChecked()).toBe(false)
    await toggle.click()
    await expect.poll(() => toggle.isChecked()).toBe(true)
    // Edit: the toxic is loaded into the form, its latency changed and saved (toxic.update).
    await table.getByRole('button', { name: 'Edit toxic latency_downstream' }).click()
    const editForm = panel.getByRole('form', { name: 'Editing toxic latency_downstream' })
    await expect.poll(() => editForm.getByLabel('latency (ms)').inputValue()).toBe('300')
    await editForm.getByLabel('latency (ms)').fill('450')
    await saveScreenshot(page, 'faults-edit')
    await editForm.getByRole('button', { name: 'Save toxic latency_downstream' }).click()
    await table.getByRole('cell', { name: 'latency=450 jitter=0', exact: true }).waitFor()
    await panel.getByRole('form', { name: 'Add toxic' }).waitFor()
    expect(await table.getByRole('row').count()).toBe(2)

    // The open connection (accepted before any toxic) is delayed now, by the edited latency.
    await expect.poll(() => c.echoed).toBe('hi')
    const start = Date.now()
    c.write('ping')
    await expect.poll(() => c.echoed, { interval: 5 }).toBe('hiping')
    expect(Date.now() - start).toBeGreaterThanOrEqual(400)
    await expect.poll(async () => (await table.getByRole('row').nth(1).getByRole('cell').nth(7).textContent())?.trim()).toBe('1')
    await panel.getByRole('button', { name: 'Close' }).click()

    await page.getByRole('grid', { name: 'Connections' }).getByRole('row').nth(1).click()
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'Conversation' }).click()
    const feed = detail.getByRole('feed', { name: 'Conversation' })
    await feed.getByRole('article', { name: /^fault latency_downstream: delayed \d+ ms at / }).first().waitFor()

    // Inject toward the target, from the connection's action bar.
    const bar = page.getByRole('region', { name: 'Connection actions' })
    await bar.getByRole('button', { name: 'Inject bytes into connection 1' }).click()
    const form = bar.getByRole('form', { name: 'Inject into #1' })
    await form.getByLabel('As').selectOption('hex')
    await form.getByLabel('Bytes to inject').fill('21 21')
    await form.getByRole('button', { name: 'Inject' }).click()
    await expect.poll(() => server.got()).toBe('hiping!!')
    await feed.getByRole('article', { name: /^you: injected 2 B toward the target at / }).waitFor()
    await saveScreenshot(page, 'conn-actions-dark')
    // The timeline marks them on the selected connection's bar.
    await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Timeline' }).click()
    await page.getByRole('option', { name: /^#1 .*, [3-9] marks of faults, breakpoints or actions$/ }).waitFor()
    await saveScreenshot(page, 'timeline-marks-dark')
    await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'List' }).click()

    // The server's echo of the injected bytes comes through the 450 ms latency: the client
    // reads it before the reset. A Node socket cannot judge an RST that comes with data: when
    // both are waiting, libuv reports an end, not ECONNRESET (libuv issue 2319; py-peer.ts).
    // Clicked while the echo was just out of the toxic, on a loaded machine, this once read
    // as a FIN, though the proxy had sent data then an RST (as python's recv() shows).
    await expect.poll(() => c.echoed).toBe('hiping!!')
    // How the client's socket ended: its error's code, or that it closed without one (a FIN
    // where an RST was wanted), so a failure says which rather than waiting out the test.
    const reset = new Promise<string | undefined>((r) => {
      c.once('error', (e: NodeJS.ErrnoException) => r(e.code))
      c.once('close', () => setImmediate(() => r('closed without an error')))
    })
    await bar.getByRole('button', { name: 'RST to client' }).click()
    // The engine did it: the conversation shows the action (once seen taking over 50 s, with
    // no way to tell the click from the reset).
    await feed.getByRole('article', { name: /^you: RST sent to the client, FIN to the target at / }).waitFor()
    expect(await reset).toBe('ECONNRESET')
  })

  it('holds an HTTP request from curl, edits its body in its parts, and the server gets it with Content-Length fixed', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const page = await open()
    const bodies: string[] = []
    const http = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        bodies.push(`${req.headers['content-length']} ${body}`)
        res.end('ok')
      })
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => http.close(r)))
    const port = await startProxy(page, (http.address() as { port: number }).port)
    await page.getByRole('button', { name: 'Breakpoints of p1…' }).click()
    const panel = page.getByRole('dialog', { name: 'Breakpoints of p1' })
    await panel.getByLabel('Hold', { exact: true }).selectOption('http-request')
    await panel.getByLabel('Method').fill('POST')
    await panel.getByRole('button', { name: 'Add breakpoint' }).click()
    await panel.getByRole('switch', { name: 'Breakpoint b1 on' }).waitFor()
    await panel.getByRole('button', { name: 'Close' }).click()

    const answer = promisify(execFile)('curl', ['-sS', '--max-time', '20', '-d', 'name=short', `http://127.0.0.1:${port}/form`])
    const queue = page.getByRole('region', { name: 'Held messages' })
    await queue.getByRole('option', { name: /^client → target HTTP request: #1 \d+ B POST \/form .+, rule b1$/ }).waitFor()
    const body = queue.getByRole('textbox', { name: 'Body' })
    await body.click()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('name=much-longer')
    await saveScreenshot(page, 'held-http')
    await queue.getByRole('button', { name: 'Forward edited F8: held message 1' }).click()
    expect((await answer).stdout).toBe('ok')
    expect(bodies).toEqual(['16 name=much-longer'])
    // The connection list marks the connection as edited; its HTTP tab shows the request as
    // forwarded, says it was edited, and its row's size is the forwarded body's (the sent one's in its title).
    const row = page.getByRole('grid', { name: 'Connections' }).getByRole('row').filter({ hasText: 'POST /form' })
    await row.getByRole('img', { name: 'Edited at a breakpoint' }).waitFor()
    await row.click()
    await page.getByRole('tab', { name: 'HTTP', exact: true }).click()
    await page.getByText('Request, as forwarded: edited at breakpoint b1').waitFor()
    const exchange = page.getByRole('listbox', { name: 'HTTP exchanges (1)' }).getByRole('option')
    await expect.poll(() => exchange.getAttribute('aria-label').then((n) => n ?? exchange.textContent())).toMatch(/POST \/form.*16 B/)
    await exchange.getByTitle('As sent: 10 B').waitFor()
    await saveScreenshot(page, 'held-http-forwarded')
    await page.getByText('much-longer', { exact: true }).waitFor()
    // The capture's exchange list says the same: edited, and the size forwarded.
    await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Exchanges' }).click()
    const listed = page.getByRole('grid', { name: 'HTTP exchanges' }).getByRole('row').filter({ hasText: '/form' })
    await listed.getByRole('img', { name: /^Edited at breakpoint b1/ }).waitFor()
    await expect.poll(() => listed.textContent()).toContain('16 B')
    expect(await listed.textContent()).not.toContain('10 B')
    await saveScreenshot(page, 'held-http-exchanges')
  })

  it('holds an HTTP response, edits its status and body in its parts and its text in GBK, and curl gets the edit', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const page = await open()
    const http = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; charset=gbk')
      res.end(Buffer.from([0xc4, 0xe3, 0xba, 0xc3]))
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => http.close(r)))
    const port = await startProxy(page, (http.address() as { port: number }).port)
    await page.getByRole('button', { name: 'Breakpoints of p1…' }).click()
    const panel = page.getByRole('dialog', { name: 'Breakpoints of p1' })
    await panel.getByLabel('Hold', { exact: true }).selectOption('http-response')
    await panel.getByRole('button', { name: 'Add breakpoint' }).click()
    await panel.getByRole('switch', { name: 'Breakpoint b1 on' }).waitFor()
    await panel.getByRole('button', { name: 'Close' }).click()

    const answer = promisify(execFile)('curl', ['-sS', '-i', '--max-time', '20', `http://127.0.0.1:${port}/hello`], { encoding: 'buffer' })
    const queue = page.getByRole('region', { name: 'Held messages' })
    await queue.getByRole('option', { name: /^target → client HTTP response: #1 \d+ B 200 OK .+, rule b1$/ }).waitFor()
    await queue.getByRole('textbox', { name: 'Status' }).fill('203')
    await queue.getByRole('textbox', { name: 'Reason' }).fill('Edited')
    // The body's text in GBK: 你好 becomes 你好吗.
    await queue.getByRole('combobox', { name: 'Text encoding' }).selectOption('gbk')
    const body = queue.getByRole('textbox', { name: 'Body' })
    await expect.poll(async () => (await body.textContent()) ?? '').toBe('你好')
    await body.click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('吗')
    await saveScreenshot(page, 'held-http-response')
    await queue.getByRole('button', { name: 'Forward edited F8: held message 1' }).click()
    const got = (await answer).stdout as unknown as Buffer
    expect(got.toString('latin1')).toMatch(/^HTTP\/1\.1 203 Edited\r\n/)
    expect(got.toString('latin1')).toMatch(/\r\nContent-Length: 6\r\n/i)
    expect(got.subarray(got.length - 6)).toEqual(Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0xc2, 0xf0]))
  })

  it('speaks Chinese', async () => {
    const page = await open({ locale: 'zh-CN' })
    const server = await recordingServer()
    await startProxy(page, server.port)
    await page.getByRole('button', { name: 'p1 的断点…' }).click()
    const panel = page.getByRole('dialog', { name: 'p1 的断点' })
    await panel.getByText('没有断点。添加一个，在转发前拦截匹配的数据。').waitFor()
    await panel.getByRole('button', { name: '添加断点' }).waitFor()
    await saveScreenshot(page, 'break-rules-zh')
  })
})

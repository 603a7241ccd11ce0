// HTTPS replay from the Replay tab, in real Chromium against `tcpscope web`, to a Node https
// server whose certificate a private CA signed (openssl), through a proxy started with that
// CA's file (as New proxy's "CA file" does):
// - the tab offers "CA file" (its placeholder names the file the capture recorded) and "Don't verify
//   the server's certificate"; Send trusts the recorded file unasked, and the result says so;
// - with the recorded file gone, the one line names those controls, not the CLI's flags;
//   filling "CA file" clears it and the send goes through; a file that is not there is said
//   naming "CA file"; ticking the checkbox sends without verifying;
// - the raw TCP replay has the same controls;
// - in Chinese, the controls' names and the failure's line.
// Selects by role and name only; screenshots in both languages.
import { once } from 'node:events'
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { createServer } from 'node:https'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { listen, portOf, tempDir } from '../helpers/net'
import type { WebMode } from '../helpers/web'
import { selectRow, sharedWebPage, showAs, toolbarShown } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const tmp = tempDir()
let certs: TestCerts
beforeAll(() => {
  if (hasProgram('openssl')) certs = makeTestCerts(tmp.dir)
})
afterAll(() => tmp.cleanup())
const cleanups: Array<() => unknown> = []
beforeEach((ctx) => {
  needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable())
  needProgram(ctx, 'openssl', hasProgram('openssl'))
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** An https server the test CA's leaf answers for (127.0.0.1 among its names): each request's path and body back; `seen` is every body it got. */
async function privateCaServer(): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = []
  const server = createServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) }, async (req, res) => {
    let body = ''
    for await (const chunk of req) body += String(chunk)
    seen.push(body)
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end(`${req.url}: ${body}`)
  })
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  return { port, seen }
}

/** A proxy to the server over TLS, verifying it through a copy of the test CA (its path). */
async function proxyTrusting(w: WebMode, targetPort: number, name: string): Promise<{ proxyPort: number; ca: string }> {
  const dir = join(tmp.dir, name)
  mkdirSync(dir, { recursive: true })
  const ca = join(dir, 'private-ca.pem')
  copyFileSync(certs.caPath, ca)
  const driver = await w.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${targetPort}`, tlsUpstream: { ca } })
  return { proxyPort: portOf(proxy.listen), ca }
}

/** `POST /echo/x` through the proxy; the client's address, which names its row. */
async function postThrough(proxyPort: number): Promise<string> {
  const req = request({ host: '127.0.0.1', port: proxyPort, method: 'POST', path: '/echo/x', agent: false, headers: { 'Content-Type': 'text/plain', Connection: 'close' } })
  const local = new Promise<number>((r) => req.on('socket', (s) => s.on('connect', () => r(s.localPort!))))
  req.end('live=1')
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  let body = ''
  for await (const chunk of res) body += String(chunk)
  expect(body).toBe('/echo/x: live=1')
  return `127.0.0.1:${await local}`
}

const WORDS = {
  en: { grid: 'Connections', detail: 'Selected connection', replay: 'Replay', panel: /^Replay of request 1 of connection #\d+$/, options: 'Send options', ca: 'CA file', insecure: 'Don’t verify the server’s certificate' },
  zh: { grid: '连接', detail: '所选连接', replay: '重放', panel: /^重放连接 #\d+ 的第 1 个请求$/, options: '发送选项', ca: 'CA 文件', insecure: '不验证服务器证书' }
}

/** The connection's request open in the Replay tab (its only exchange). */
async function openReplay(page: Page, words: (typeof WORDS)['en'], client: string): Promise<{ detail: Locator; panel: Locator; options: Locator }> {
  await selectRow(page.getByRole('grid', { name: words.grid, exact: true }), client)
  const detail = page.getByRole('region', { name: words.detail })
  await detail.getByRole('tab', { name: words.replay, exact: true }).click()
  const panel = detail.getByRole('region', { name: words.panel })
  return { detail, panel, options: panel.getByRole('group', { name: words.options }) }
}

describe('HTTPS replay to a server a private CA signed, in Chromium', () => {
  const shared = sharedWebPage({ browser: { width: 1280, height: 860 } }, toolbarShown)

  it('trusts the CA file the proxy recorded; its failure names the CA file field and the checkbox, which fix it', async () => {
    const { web: w, page } = shared
    await showAs(page, { width: 1280, height: 860 })
    const server = await privateCaServer()
    const { proxyPort, ca } = await proxyTrusting(w, server.port, 'en')
    const client = await postThrough(proxyPort)
    const { detail, panel, options } = await openReplay(page, WORDS.en, client)

    const caField = options.getByRole('textbox', { name: 'CA file' })
    const insecure = options.getByRole('checkbox', { name: 'Don’t verify the server’s certificate' })
    // The recorded file by its name; its whole path in the field's hint.
    await expect.poll(() => caField.getAttribute('placeholder')).toBe('recorded: private-ca.pem')
    expect(await caField.getAttribute('title')).toContain(`recorded: ${ca}`)
    expect(await insecure.isChecked()).toBe(false)

    // Unasked, the replay trusts the CA file the proxy verified the server with, and says so.
    const send = options.getByRole('button', { name: 'Send', exact: true })
    const results = panel.getByRole('region', { name: 'Replay results' })
    await send.click()
    await expect.poll(() => results.getByRole('status').first().textContent()).toBe('Same as recorded')
    await expect.poll(() => results.textContent()).toContain(`Trusted ${ca} (the CA file the capture recorded)`)
    expect(server.seen).toEqual(['live=1', 'live=1'])
    await saveScreenshot(page, 'replay-tls-recorded-ca')

    // The recorded file gone: the one line says so, naming the tab's controls.
    rmSync(ca)
    await send.click()
    const error = options.getByRole('alert')
    await expect
      .poll(() => error.textContent())
      .toBe(
        `cannot verify 127.0.0.1:${server.port}’s certificate (signed by an unknown CA, CN tcpscope test CA, not sent by the server; the CA file the capture recorded, ${ca}, cannot be used: it is not there): give its CA in “CA file”, or tick “Don’t verify the server’s certificate”`
      )
    await saveScreenshot(page, 'replay-tls-untrusted')

    // A CA file given: the failure goes as it is typed, and the send trusts it.
    await caField.fill(certs.caPath)
    await expect.poll(() => error.count()).toBe(0)
    await send.click()
    await expect.poll(() => results.textContent()).toContain(`Trusted ${certs.caPath}`)
    await expect.poll(() => results.getByRole('status').first().textContent()).toBe('Same as recorded')
    // One that is not there, named as the field.
    const missing = join(tmp.dir, 'no-such-ca.pem')
    await caField.fill(missing)
    await send.click()
    await expect.poll(() => error.textContent()).toBe(`cannot read the “CA file” ${missing}: no such file`)
    // Not verifying: the field has nothing to do, and the send goes through.
    await insecure.check()
    await expect.poll(() => error.count()).toBe(0)
    expect(await caField.isDisabled()).toBe(true)
    const before = server.seen.length
    await send.click()
    await expect.poll(() => server.seen.length).toBe(before + 1)
    await expect.poll(() => results.getByRole('status').first().textContent()).toBe('Same as recorded')
    expect(await results.textContent()).not.toContain('Trusted')

    // The raw TCP replay has the same controls, and its failure names them too.
    await detail.getByRole('radio', { name: 'Raw TCP' }).check()
    const raw = detail.getByRole('region', { name: 'Raw TCP replay' })
    const rawOptions = raw.getByRole('group', { name: 'Replay options' })
    await expect.poll(() => rawOptions.getByRole('textbox', { name: 'CA file' }).getAttribute('placeholder')).toBe('recorded: private-ca.pem')
    await rawOptions.getByRole('button', { name: /^Replay/ }).click()
    await expect.poll(() => rawOptions.getByRole('alert').textContent()).toMatch(/: give its CA in “CA file”, or tick “Don’t verify the server’s certificate”$/)
    await rawOptions.getByRole('checkbox', { name: 'Don’t verify the server’s certificate' }).check()
    await expect.poll(() => rawOptions.getByRole('alert').count()).toBe(0)
  })

  it('reads in Chinese', async () => {
    const { web: w, page } = shared
    await showAs(page, { language: 'zh-CN', width: 1280, height: 860 })
    const server = await privateCaServer()
    const { proxyPort, ca } = await proxyTrusting(w, server.port, 'zh')
    const client = await postThrough(proxyPort)
    const { panel, options } = await openReplay(page, WORDS.zh, client)
    const caField = options.getByRole('textbox', { name: 'CA 文件' })
    await expect.poll(() => caField.getAttribute('placeholder')).toBe('记录的：private-ca.pem')
    await options.getByRole('checkbox', { name: '不验证服务器证书' }).waitFor()
    const send = options.getByRole('button', { name: '发送', exact: true })
    await send.click()
    const results = panel.getByRole('region', { name: '重放结果' })
    await expect.poll(() => results.textContent()).toContain(`已信任 ${ca}（抓包记录的 CA 文件）`)
    await saveScreenshot(page, 'replay-tls-zh-recorded-ca')

    rmSync(ca)
    await send.click()
    await expect
      .poll(() => options.getByRole('alert').textContent())
      .toBe(
        `无法验证 127.0.0.1:${server.port} 的证书（signed by an unknown CA, CN tcpscope test CA, not sent by the server；抓包记录的 CA 文件 ${ca} 无法使用：文件不存在）：请在“CA 文件”中给出它的 CA，或勾选“不验证服务器证书”`
      )
    await saveScreenshot(page, 'replay-tls-zh-untrusted')
  })
})

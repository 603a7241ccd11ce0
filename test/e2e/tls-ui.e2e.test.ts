// The TLS parts of the UI in real Chromium against `tcpscope web`, by role and name only:
// the certificate authority panel (fingerprint, trust commands, a PEM download, regenerate
// after a confirm), the Intercept menu and the terminal's lines (a forward proxy started from
// the dialog), the proxy form's TLS and forward parts, a TLS→TLS proxy's connections in the
// list (lock and SNI) and the TLS tab (each leg, the chain, a client that rejected the leaf
// with its alert explained). Screenshots in light and dark, English and Chinese.
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import * as tls from 'node:tls'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { tempDir } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts } from '../helpers/tls-certs'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => {
  needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable())
  // The CA lives in a folder of this test's own, never the real home's.
  const data = tempDir('tcpscope-ui-ca-')
  process.env.TCPSCOPE_DATA_DIR = data.dir
  cleanups.push(() => data.cleanup())
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  delete process.env.TCPSCOPE_DATA_DIR
})

async function open(opts: Parameters<typeof openBrowser>[0] = {}): Promise<{ page: Page; web: WebMode }> {
  const web = await startWeb()
  cleanups.push(() => web.stop('SIGINT'))
  const b = await openBrowser({ width: 1280, height: 820, ...opts })
  b.page.setDefaultTimeout(10_000)
  cleanups.push(() => b.close())
  await b.page.goto(web.url)
  await b.page.getByRole('navigation', { name: /Open captures|已打开的抓包/ }).getByRole('button', { name: /live|实时/ }).waitFor()
  return { page: b.page, web }
}

/** Dark theme (the toolbar's theme button goes system → light → dark) and, if asked, Chinese. */
async function darkAndChinese(page: Page, chinese: boolean): Promise<void> {
  const theme = page.getByRole('toolbar').getByRole('button', { name: /^Theme: |^主题/ })
  for (let i = 0; i < 3 && !(await page.evaluate(() => document.documentElement.classList.contains('dark'))); i++) await theme.click()
  if (chinese) await page.getByRole('button', { name: 'Language' }).click()
}

describe('TLS in the UI, in Chromium', () => {
  it('shows the certificate authority, its trust commands, exports it as PEM and regenerates it after a confirm', async () => {
    const { page, web } = await open()
    const driver = await web.client()
    await page.getByRole('button', { name: 'Intercept' }).click()
    await page.getByRole('menu', { name: 'Intercept' }).getByRole('menuitem', { name: 'Certificate authority…' }).click()
    const panel = page.getByRole('dialog', { name: 'Certificate authority' })
    const fingerprint = panel.getByRole('region', { name: 'SHA-256 fingerprint' })
    await fingerprint.waitFor()
    const info = await driver.call('ca.info')
    expect(await fingerprint.textContent()).toBe(info.sha256)
    expect(await panel.getByRole('region', { name: 'Certificate file' }).textContent()).toBe(info.certPath)
    expect(await panel.getByRole('radio', { name: 'Linux' }).getAttribute('aria-checked')).toBe('true')
    const nss = panel.getByRole('region', { name: /NSS database/ })
    expect(await nss.textContent()).toContain(`-i '${info.certPath}'`)
    await panel.getByRole('button', { name: /^Copy: .*NSS database/ }).waitFor()
    await saveScreenshot(page, 'tls-ca-light')

    // Another system's steps, picked with the arrow keys.
    await panel.getByRole('radio', { name: 'Linux' }).focus()
    await page.keyboard.press('ArrowRight')
    expect(await panel.getByRole('radio', { name: 'macOS' }).getAttribute('aria-checked')).toBe('true')
    await panel.getByRole('region', { name: /login keychain/ }).waitFor()

    // Export: a download of the certificate, exactly the CA's PEM.
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export certificate' }).click()])
    expect(download.suggestedFilename()).toBe('tcpscope-ca.pem')
    expect(readFileSync((await download.path())!, 'utf8')).toBe(info.pem)
    await panel.getByRole('status').filter({ hasText: 'tcpscope-ca.pem' }).waitFor()

    // Regenerate asks first; keeping the current one changes nothing.
    await panel.getByRole('button', { name: 'Regenerate…' }).click()
    const ask = panel.getByRole('alertdialog', { name: 'Make a new certificate authority?' })
    await ask.getByRole('button', { name: 'Keep the current one' }).click()
    expect(await fingerprint.textContent()).toBe(info.sha256)
    await panel.getByRole('button', { name: 'Regenerate…' }).click()
    await ask.getByRole('button', { name: 'Regenerate', exact: true }).click()
    await expect.poll(() => fingerprint.textContent()).not.toBe(info.sha256)
    expect(await fingerprint.textContent()).toBe((await driver.call('ca.info')).sha256)

    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'hidden' })
    await darkAndChinese(page, true)
    await page.getByRole('button', { name: '拦截' }).click()
    await page.getByRole('menu', { name: '拦截' }).getByRole('menuitem', { name: '证书颁发机构…' }).click()
    const zh = page.getByRole('dialog', { name: '证书颁发机构' })
    await zh.getByRole('region', { name: 'SHA-256 指纹' }).waitFor()
    await zh.getByRole('button', { name: '导出证书' }).waitFor()
    await saveScreenshot(page, 'tls-ca-dark-zh')
  })

  it('opens the Intercept menu from the keyboard and points a terminal at a forward proxy it starts', async () => {
    const { page } = await open()
    const button = page.getByRole('button', { name: 'Intercept' })
    await button.focus()
    await page.keyboard.press('ArrowDown')
    const menu = page.getByRole('menu', { name: 'Intercept' })
    await menu.getByRole('menuitem', { name: 'Chromium' }).waitFor()
    for (const name of ['Google Chrome', 'Microsoft Edge', 'Firefox', 'Terminal…', 'Certificate authority…']) await menu.getByRole('menuitem', { name: new RegExp(`^${name}`) }).waitFor()
    await saveScreenshot(page, 'tls-intercept-menu-light')
    await page.keyboard.press('Escape')
    await menu.waitFor({ state: 'hidden' })

    await button.click()
    await menu.getByRole('menuitem', { name: 'Terminal…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Intercept a terminal' })
    await dialog.getByRole('button', { name: 'Start a forward proxy' }).click()
    const lines = dialog.getByRole('region', { name: 'Lines for bash' })
    await expect.poll(() => lines.textContent(), { timeout: 10_000 }).toMatch(/export HTTPS_PROXY='http:\/\/127\.0\.0\.1:\d+'/)
    const proxy = /127\.0\.0\.1:\d+/.exec((await lines.textContent())!)![0]
    expect(await lines.textContent()).toContain(`export ALL_PROXY='socks5h://${proxy}'`)
    // The variables that replace a program's roots name the engine's bundle of the system's roots and the CA (ca.bundle), as `tcpscope env` does.
    expect(await lines.textContent()).toMatch(/export SSL_CERT_FILE='[^']*tcpscope-trust-bundle\.pem'\n/)
    expect(await lines.textContent()).toMatch(/export NODE_EXTRA_CA_CERTS='[^']*tcpscope-ca\.pem'\n/)
    await dialog.getByText(/^SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO name \S*tcpscope-trust-bundle\.pem: tcpscope's certificate authority and \d+ root certificates? of this system/).waitFor()
    expect(await dialog.getByRole('region', { name: 'tcpscope env command' }).textContent()).toBe(`tcpscope env --proxy ${proxy} --shell bash`)
    // The sidebar lists the forward proxy it started.
    await page.getByRole('complementary').or(page.getByRole('region', { name: 'Proxies and sessions' })).getByText('any destination (forward)').first().waitFor()
    await saveScreenshot(page, 'tls-terminal-light')
    await dialog.getByRole('radio', { name: 'bash' }).focus()
    await page.keyboard.press('End')
    await dialog.getByRole('region', { name: 'Lines for cmd' }).getByText(`set "HTTPS_PROXY=http://${proxy}"`).waitFor()
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })

    await darkAndChinese(page, false)
    await page.getByRole('button', { name: 'Intercept' }).click()
    await page.getByRole('menu', { name: 'Intercept' }).getByRole('menuitem', { name: 'Chromium' }).waitFor()
    await saveScreenshot(page, 'tls-intercept-menu-dark')
    await page.getByRole('menu', { name: 'Intercept' }).getByRole('menuitem', { name: 'Terminal…' }).click()
    await page.getByRole('dialog', { name: 'Intercept a terminal' }).getByRole('region', { name: 'Lines for bash' }).waitFor()
    await saveScreenshot(page, 'tls-terminal-dark')
  })

  it('starts a TLS→TLS proxy from the form, and shows its connections’ locks, SNI and TLS facts', async (ctx) => {
    needProgram(ctx, 'openssl (apt-get install openssl)', hasProgram('openssl'))
    const dir = tempDir('tcpscope-ui-certs-')
    cleanups.push(() => dir.cleanup())
    const certs = makeTestCerts(dir.dir)
    const upstream = tls.createServer({ key: certs.read(certs.leafKey), cert: certs.read(certs.leafCert) }, (s) => s.pipe(s))
    upstream.listen(0, '127.0.0.1')
    await once(upstream, 'listening')
    cleanups.push(() => new Promise((r) => upstream.close(r)))
    const upstreamPort = (upstream.address() as AddressInfo).port

    const { page, web } = await open()
    const driver = await web.client()
    await page.getByRole('button', { name: 'New proxy' }).click()
    const form = page.getByRole('dialog', { name: 'New proxy' })
    // The forward mode's own fields, then back to a target.
    await form.getByRole('radio', { name: 'Forward proxy' }).click()
    await form.getByRole('textbox', { name: 'Authentication' }).waitFor()
    await saveScreenshot(page, 'tls-proxy-form-forward-light')
    await form.getByRole('radio', { name: 'To a target' }).click()
    await form.getByRole('textbox', { name: 'Target' }).fill(`127.0.0.1:${upstreamPort}`)
    await form.getByRole('button', { name: 'TLS toward clients' }).click()
    await form.getByRole('checkbox', { name: 'Terminate TLS from clients' }).check()
    await form.getByRole('button', { name: 'TLS toward the target' }).click()
    await form.getByRole('checkbox', { name: 'Speak TLS to the target' }).check()
    // A client certificate without its key: said beside the key, before calling the engine.
    await form.getByRole('textbox', { name: 'Client certificate' }).fill(certs.clientCert)
    await form.getByRole('button', { name: 'Start' }).click()
    await form.getByText('Give the key of the certificate too').waitFor()
    await form.getByRole('textbox', { name: 'Client certificate' }).fill('')
    await form.getByRole('textbox', { name: 'CA file' }).fill(certs.caPath)
    await saveScreenshot(page, 'tls-proxy-form-light')
    await form.getByRole('button', { name: 'Start' }).click()
    await form.waitFor({ state: 'hidden' })
    const [proxy] = await driver.call('proxy.list')
    expect(proxy.tlsListen && proxy.tlsUpstream).toBe(true)
    const port = Number(proxy.listen.split(':').pop())
    await page.getByText('TLS → TLS').waitFor()

    // One client trusts tcpscope's CA and talks; one does not, and rejects the leaf.
    const ca = (await driver.call('ca.info')).pem
    const good = tls.connect({ host: '127.0.0.1', port, servername: 'upstream.test', ca })
    await once(good, 'secureConnect')
    good.write('hello over tls')
    await once(good, 'data')
    good.end()
    const bad = tls.connect({ host: '127.0.0.1', port, servername: 'upstream.test' })
    await once(bad, 'error')

    const grid = page.getByRole('grid', { name: 'Connections' })
    const decrypted = grid.getByRole('row').filter({ has: page.getByRole('img', { name: 'TLS, decrypted' }) })
    await decrypted.first().waitFor({ timeout: 15_000 })
    // The SNI beside the address (shown when the column has room for it whole; its title says it always).
    await decrypted.first().getByRole('gridcell', { name: /127\.0\.0\.1:\d+ upstream\.test/ }).waitFor()
    await decrypted.first().click()
    await page.getByRole('tab', { name: 'TLS' }).click()
    const view = page.getByRole('region', { name: 'TLS', exact: true })
    await view.getByRole('table').getByText('TLSv1.3').first().waitFor()
    await view.getByRole('region', { name: 'Certificate chain of the target' }).getByText('CN=upstream.test').first().waitFor()
    await saveScreenshot(page, 'tls-view-light')

    const broken = grid.getByRole('row').filter({ has: page.getByRole('img', { name: 'TLS handshake failed' }) })
    await broken.first().waitFor({ timeout: 15_000 })
    await broken.first().click()
    const failure = view.getByRole('region', { name: 'Handshake failure' })
    await failure.getByText('The handshake failed on the client leg (toward the client)').waitFor()
    // Node's client closes without an alert: the engine's one line, as it is, says what to do.
    const [, rejected] = (await driver.call('conn.page', { capture: 'live', offset: 0, limit: 10 })).rows
    await failure.getByText(rejected.tls!.failure!.message).waitFor()
    await saveScreenshot(page, 'tls-failure-light')

    // The filter's words: sni: keeps only the TLS connections for that name.
    await page.getByRole('searchbox', { name: 'Filter connections' }).fill('tls:yes sni:upstream')
    await expect.poll(() => grid.getByRole('row').filter({ has: page.getByRole('gridcell') }).count()).toBe(2)

    await darkAndChinese(page, true)
    // A wider window: the target column has room for the SNI beside the address.
    await page.setViewportSize({ width: 1680, height: 820 })
    await page.getByRole('grid', { name: '连接' }).getByRole('row').filter({ has: page.getByRole('img', { name: 'TLS，已解密' }) }).first().click()
    await page.getByRole('region', { name: 'TLS', exact: true }).getByRole('columnheader', { name: '目标一侧' }).waitFor()
    await saveScreenshot(page, 'tls-view-dark-zh')
    await page.getByRole('button', { name: '新建代理' }).click()
    const zhForm = page.getByRole('dialog', { name: '新建代理' })
    await zhForm.getByRole('button', { name: '面向客户端的 TLS' }).click()
    await zhForm.getByRole('checkbox', { name: '终结来自客户端的 TLS' }).check()
    await zhForm.getByRole('radio', { name: '我提供的证书和私钥' }).click()
    await zhForm.getByRole('textbox', { name: '证书文件' }).waitFor()
    await saveScreenshot(page, 'tls-proxy-form-dark-zh')
  })
})

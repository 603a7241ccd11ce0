// @vitest-environment jsdom
// The Intercept menu and the terminal's lines, as a person uses them with the keyboard: the
// menu lists each browser (one this machine lacks is dimmed, saying so, and cannot be
// chosen), starts one through the running forward proxy, says what happened or the engine's
// error; the terminal dialog offers to start a forward proxy when none listens, then shows
// the lines for the shell picked and the `tcpscope env` command.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import InterceptMenu from '../../../../src/renderer/src/features/tls/InterceptMenu.vue'
import TerminalDialog from '../../../../src/renderer/src/features/tls/TerminalDialog.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useInterceptStore } from '../../../../src/renderer/src/features/tls/intercept-store'
import { useCaStore } from '../../../../src/renderer/src/features/tls/ca-store'
import { useCommandsStore } from '../../../../src/renderer/src/features/commands/commands-store'
import { EngineError } from '../../../../src/shared/errors'
import type { ProxyInfo } from '../../../../src/shared/events'
import { fakeTransport, type Handlers } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const forward = (over: Partial<ProxyInfo> = {}): ProxyInfo => ({ id: 'p9', listen: '127.0.0.1:8080', target: 'forward', mode: 'forward', state: 'listening', accepted: 0, active: 0, ...over })
const bundle = { path: '/d/tcpscope-trust-bundle.pem', roots: 146, from: '/etc/ssl/certs/ca-certificates.crt' }
const caInfo = { subject: 'CN=x', sha256: 'AA', spki: 's', validFrom: '', validTo: '', certPath: '/d/ca.pem', keyPath: '/d/ca-key.pem', dataDir: '/d', pem: '' }

const mounted: VueWrapper[] = []
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

function engine(handlers: Handlers, proxies: ProxyInfo[] = []) {
  const t = fakeTransport({ 'ca.info': () => caInfo, 'ca.bundle': () => bundle, 'ca.regenerate': () => caInfo, ...handlers })
  useEngineStore().attach(t.transport)
  t.emit({ type: 'snapshot', proxies, sessions: [], captures: [] })
  return t
}

async function menu(handlers: Handlers, proxies: ProxyInfo[] = [], locale: 'en' | 'zh-CN' = 'en') {
  const t = engine({ 'intercept.browsers': () => [{ name: 'chromium', path: '/usr/bin/chromium' }, { name: 'chrome' }, { name: 'edge' }, { name: 'firefox', path: '/usr/bin/firefox' }], ...handlers }, proxies)
  const w = mount(InterceptMenu, { global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  await flushPromises()
  const button = w.find('button[aria-haspopup=menu]')
  await button.trigger('keydown', { key: 'ArrowDown' })
  await flushPromises()
  const items = () => w.findAll('[role=menuitem]')
  return { w, t, button, items }
}

describe('the Intercept menu', () => {
  it('opens from the keyboard on its first browser, and dims the ones this machine lacks, saying so', async () => {
    const { w, button, items } = await menu({})
    expect(button.text()).toContain('Intercept')
    expect(button.attributes('aria-expanded')).toBe('true')
    expect(items().map((i) => i.text())).toEqual([
      'Chromium',
      'Google Chromenot found on this machine',
      'Microsoft Edgenot found on this machine',
      'Firefox',
      'A command…',
      'Terminal…',
      'Certificate authority…'
    ])
    expect(items().map((i) => i.attributes('aria-disabled'))).toEqual([undefined, 'true', 'true', undefined, undefined, undefined, undefined])
    expect(document.activeElement).toBe(items()[0].element)
    await w.find('[role=menu]').trigger('keydown', { key: 'Escape' })
    expect(w.find('[role=menu]').exists()).toBe(false)
    expect(document.activeElement).toBe(button.element)
  })

  it('starts a browser through the running forward proxy and says so; a browser not found cannot be chosen', async () => {
    const { w, t, items } = await menu(
      { 'intercept.browser': ({ browser, proxyId }) => ({ browserId: 'b1', name: browser, pid: 4242, proxyId: proxyId ?? 'new', proxy: '127.0.0.1:8080', profileDir: '/tmp/p', state: 'running' }) },
      [forward()]
    )
    await items()[1].trigger('click')
    expect(t.calls.some((c) => c.cmd === 'intercept.browser')).toBe(false)
    const m = w.find('[role=menu]')
    await m.trigger('keydown', { key: 'Home' })
    await m.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'intercept.browser').map((c) => c.args)).toEqual([{ browser: 'chromium', proxyId: 'p9' }])
    expect(w.find('[role=status]').text()).toContain('Chromium started (pid 4242) through 127.0.0.1:8080')
    // The browser started is offered a Stop.
    await w.find('button[aria-haspopup=menu]').trigger('click')
    expect(items().at(-1)!.text()).toBe('Stop Chromium (pid 4242)')
    // The person closes the browser: the engine says so, and its Stop goes.
    const started = t.calls.length
    useEngineStore().applyBatches([{ type: 'batch', browsers: [{ browserId: 'b1', name: 'chromium', pid: 4242, proxyId: 'p9', proxy: '127.0.0.1:8080', profileDir: '/tmp/p', state: 'closed' }] }])
    await flushPromises()
    expect(items().at(-1)!.text()).toBe('Certificate authority…')
    expect(t.calls.length).toBe(started)
  })

  it('shows the engine’s error when a browser does not start', async () => {
    const { w, items } = await menu({
      'intercept.browser': () => {
        throw new EngineError('ENOENT', 'cannot start /usr/bin/firefox: not found')
      }
    })
    await items()[3].trigger('click')
    await flushPromises()
    expect(w.find('[role=alert]').text()).toContain('Firefox did not start: cannot start /usr/bin/firefox: not found')
  })

  it('opens the terminal dialog, and the command form', async () => {
    const { items } = await menu({})
    await items()[5].trigger('click')
    expect(useInterceptStore().terminalShown).toBe(true)
    const again = await menu({})
    await again.items()[4].trigger('click')
    expect(useCommandsStore().formShown).toBe(true)
  })

  it('speaks Chinese', async () => {
    const { button, items } = await menu({}, [], 'zh-CN')
    expect(button.text()).toContain('拦截')
    expect(items()[1].text()).toContain('本机未找到')
  })
})

describe('the terminal dialog', () => {
  async function dialog(handlers: Handlers, proxies: ProxyInfo[], locale: 'en' | 'zh-CN' = 'en') {
    const t = engine(handlers, proxies)
    const w = mount(TerminalDialog, { global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
    mounted.push(w)
    await flushPromises()
    return { w, t }
  }

  it('shows the lines for the shell picked and the tcpscope env command', async () => {
    const { w } = await dialog({}, [forward(), { ...forward(), id: 'p1', mode: 'target', listen: '127.0.0.1:9', target: 'x:1' }])
    expect(w.findAll('select option').map((o) => o.text())).toEqual(['127.0.0.1:8080'])
    const lines = () => w.find('[role=region][aria-label^="Lines for"]')
    expect(lines().attributes('aria-label')).toBe('Lines for bash')
    expect(lines().text()).toContain("export HTTPS_PROXY='http://127.0.0.1:8080'")
    expect(lines().text()).toContain("export NODE_EXTRA_CA_CERTS='/d/ca.pem'")
    expect(w.find('[role=region][aria-label="tcpscope env command"]').text()).toBe('tcpscope env --proxy 127.0.0.1:8080 --shell bash')
    const group = w.find('[role=radiogroup][aria-label=Shell]')
    await group.find('[aria-checked=true]').trigger('keydown', { key: 'End' })
    await group.findAll('[role=radio]').find((r) => r.text() === 'PowerShell')!.trigger('click')
    expect(lines().attributes('aria-label')).toBe('Lines for PowerShell')
    expect(lines().text()).toContain("$env:HTTPS_PROXY = 'http://127.0.0.1:8080'")
    expect(w.find('[role=region][aria-label="tcpscope env command"]').text()).toContain('--shell powershell')
  })

  it.each([
    ['en', 'Lines for bash', "SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and GIT_SSL_CAINFO name /d/tcpscope-trust-bundle.pem: tcpscope's certificate authority and 146 root certificates of this system, so HTTPS that goes around the proxy is still verified."],
    ['zh-CN', 'bash 的设置行', 'SSL_CERT_FILE、REQUESTS_CA_BUNDLE、CURL_CA_BUNDLE、GIT_SSL_CAINFO 指向 /d/tcpscope-trust-bundle.pem：tcpscope 的证书颁发机构和本机的 146 个根证书，因此绕过代理的 HTTPS 仍能得到验证。']
  ] as const)("in %s points the variables that replace a program's roots at the engine's bundle of the system's roots and the CA, as tcpscope env does", async (locale, label, said) => {
    const { w, t } = await dialog({}, [forward()], locale)
    // Written afresh each time the dialog opens: a CA regenerated since is in it.
    expect(t.calls.filter((c) => c.cmd === 'ca.bundle')).toHaveLength(1)
    expect(w.get(`[role=region][aria-label="${label}"]`).text().split('\n').slice(1)).toEqual([
      "export HTTP_PROXY='http://127.0.0.1:8080'",
      "export http_proxy='http://127.0.0.1:8080'",
      "export HTTPS_PROXY='http://127.0.0.1:8080'",
      "export https_proxy='http://127.0.0.1:8080'",
      "export ALL_PROXY='socks5h://127.0.0.1:8080'",
      "export all_proxy='socks5h://127.0.0.1:8080'",
      "export SSL_CERT_FILE='/d/tcpscope-trust-bundle.pem'",
      "export NODE_EXTRA_CA_CERTS='/d/ca.pem'",
      "export REQUESTS_CA_BUNDLE='/d/tcpscope-trust-bundle.pem'",
      "export CURL_CA_BUNDLE='/d/tcpscope-trust-bundle.pem'",
      "export GIT_SSL_CAINFO='/d/tcpscope-trust-bundle.pem'"
    ])
    expect(w.text()).toContain(said)
    // A CA regenerated: the bundle is written again, so a shell pointed at it trusts the new CA.
    await useCaStore().regenerate()
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'ca.bundle')).toHaveLength(2)
  })

  it("says why there are no lines when the engine cannot write the bundle, rather than lines that would break what goes around the proxy", async () => {
    const { w } = await dialog(
      {
        'ca.bundle': () => {
          throw new EngineError('EACCES', 'cannot write the trust bundle /d/tcpscope-trust-bundle.pem: permission denied')
        }
      },
      [forward()]
    )
    expect(w.get('[role=alert]').text()).toBe('Could not write the trust bundle: cannot write the trust bundle /d/tcpscope-trust-bundle.pem: permission denied')
    expect(w.find('[role=region][aria-label="Lines for bash"]').exists()).toBe(false)
    expect(w.find('[role=status]').exists()).toBe(false)
  })

  it('offers to start a forward proxy when none listens, and shows its lines once it does', async () => {
    const { w, t } = await dialog({ 'proxy.start': (args) => forward({ id: 'p2', listen: '127.0.0.1:40000', ...(args.forward ? {} : { mode: 'target' }) }) }, [])
    expect(w.text()).toContain('No forward proxy is listening')
    await w.findAll('button').find((b) => b.text() === 'Start a forward proxy')!.trigger('click')
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'proxy.start').map((c) => c.args)).toEqual([{ listen: '127.0.0.1:0', forward: {} }])
    useEngineStore().applyBatches([{ type: 'batch', proxies: [forward({ id: 'p2', listen: '127.0.0.1:40000' })] }])
    await flushPromises()
    expect(w.find('[role=region][aria-label="Lines for bash"]').text()).toContain('127.0.0.1:40000')
  })
})

// @vitest-environment jsdom
// The Setups menu, its dialogs and the bar above the list, as a person uses them: the menu
// says why Save and Export wait for something to run; Save as says what it keeps, and a
// taken name offers Replace; the Setups panel lists each setup with what it holds, opens
// one (and closes), asks before deleting, and duplicates under a name it suggests; an
// import says a file that is not JSON is not, and puts each wrong field on its own line;
// the bar offers the last setup in words that count right, in English and Chinese.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import SetupsMenu from '../../../../src/renderer/src/features/setups/SetupsMenu.vue'
import SetupsBar from '../../../../src/renderer/src/features/setups/SetupsBar.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSetupsStore } from '../../../../src/renderer/src/features/setups/setups-store'
import { EngineError } from '../../../../src/shared/errors'
import type { ProxyInfo } from '../../../../src/shared/events'
import type { LastSetup, Setup, SetupEntry } from '../../../../src/shared/setup-types'
import { fakeTransport, type Handlers } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const proxy: ProxyInfo = { id: 'p1', listen: '127.0.0.1:4000', target: '127.0.0.1:6379', state: 'listening', accepted: 0, active: 0 }
const setup = (over: Partial<Setup> = {}): Setup => ({ kind: 'tcpscope-setup', version: 1, proxies: [{ start: { listen: '127.0.0.1:4000', target: '127.0.0.1:6379' } }], servers: [], clients: [], ...over })
const entry = (name: string, over: Partial<SetupEntry> = {}): SetupEntry => ({ name, savedAt: Date.UTC(2026, 10, 23, 9, 30), proxies: 2, servers: 1, clients: 0, ...over })

const mounted: VueWrapper[] = []
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => {
  mounted.splice(0).forEach((w) => w.unmount())
  document.body.innerHTML = ''
})

function engine(handlers: Handlers, proxies: ProxyInfo[] = []) {
  const t = fakeTransport({ 'setup.last': () => null, ...handlers })
  useEngineStore().attach(t.transport)
  t.emit({ type: 'snapshot', proxies, sessions: [], captures: [] })
  return t
}
function mountIt<C>(component: C, locale: 'en' | 'zh-CN' = 'en'): VueWrapper {
  const w = mount(component as never, { global: { plugins: [createAppI18n(locale)] }, attachTo: document.body })
  mounted.push(w)
  return w
}

const dialog = (name: string): HTMLDialogElement => {
  const d = [...document.querySelectorAll('dialog')].find((x) => x.getAttribute('aria-label') === name)
  if (!d) throw new Error(`no dialog "${name}" among ${[...document.querySelectorAll('dialog')].map((x) => x.getAttribute('aria-label')).join(', ')}`)
  return d as HTMLDialogElement
}
const buttonIn = (root: ParentNode, name: string): HTMLButtonElement => {
  const b = [...root.querySelectorAll('button')].find((x) => (x.getAttribute('aria-label') ?? x.textContent?.trim()) === name)
  if (!b) throw new Error(`no button "${name}"`)
  return b
}
const fieldIn = (root: ParentNode, label: string): HTMLInputElement => {
  const l = [...root.querySelectorAll('label')].find((x) => x.textContent?.trim() === label)
  if (!l) throw new Error(`no field "${label}"`)
  return document.getElementById(l.htmlFor) as HTMLInputElement
}
async function type(input: HTMLInputElement, value: string): Promise<void> {
  input.value = value
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}
async function submit(d: HTMLDialogElement): Promise<void> {
  d.querySelector('form')!.dispatchEvent(new Event('submit'))
  await flushPromises()
}
async function chooseFile(input: HTMLInputElement, name: string, text: string): Promise<void> {
  Object.defineProperty(input, 'files', { value: [new File([text], name, { type: 'application/json' })], configurable: true })
  input.dispatchEvent(new Event('change'))
  await flushPromises()
}

async function openMenu(w: VueWrapper): Promise<string[]> {
  await w.find('button[aria-haspopup=menu]').trigger('click')
  await flushPromises()
  return w.findAll('[role=menuitem]').map((i) => i.text())
}
async function choose(w: VueWrapper, label: string): Promise<void> {
  await openMenu(w)
  const item = w.findAll('[role=menuitem]').find((i) => i.text().startsWith(label))!
  await item.trigger('click')
  await flushPromises()
}

describe('the Setups menu', () => {
  it('says Save and Export wait for something to run, and offers them once it does', async () => {
    engine({})
    const w = mountIt(SetupsMenu)
    expect(await openMenu(w)).toEqual(['Save setup as…nothing runs', 'Setups…', 'Import setup…', 'Export current setup…nothing runs'])
    expect(w.findAll('[role=menuitem]').map((i) => i.attributes('aria-disabled'))).toEqual(['true', undefined, undefined, 'true'])
    useEngineStore().applyBatches([{ type: 'batch', proxies: [proxy] }])
    await flushPromises()
    expect(w.findAll('[role=menuitem]').map((i) => i.text())).toEqual(['Save setup as…', 'Setups…', 'Import setup…', 'Export current setup…'])
  })

  it('Save as says what it keeps; a taken name offers Replace, which overwrites', async () => {
    const t = engine(
      {
        'setup.current': () => setup(),
        'setup.save': ({ name, overwrite }) => (overwrite ? entry(name, { proxies: 1, servers: 0 }) : Promise.reject(new EngineError('EEXIST', `a setup named "${name}" exists already; choose another name, or overwrite it`)))
      },
      [proxy]
    )
    const w = mountIt(SetupsMenu)
    await choose(w, 'Save setup as…')
    const d = dialog('Save setup as')
    expect(d.textContent).toContain('Saves 1 proxy, with every option, breakpoint and toxic.')
    const name = fieldIn(d, 'Name')
    expect(document.activeElement).toBe(name)
    await type(name, 'lab')
    await submit(d)
    expect(d.querySelector('[role=alert]')?.textContent).toContain('a setup named "lab" exists already')
    expect(name.getAttribute('aria-invalid')).toBe('true')
    buttonIn(d, 'Replace it').click()
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'setup.save').map((c) => c.args)).toEqual([
      { name: 'lab', overwrite: false },
      { name: 'lab', overwrite: true }
    ])
    expect(document.querySelector('dialog')).toBeNull()
    expect(useSetupsStore().note).toEqual({ kind: 'saved', entry: entry('lab', { proxies: 1, servers: 0 }) })
  })
})

describe('the Setups panel', () => {
  it('lists each setup with what it holds, opens one and closes', async () => {
    const t = engine({ 'setup.list': () => [entry('lab'), entry('empty', { proxies: 0, servers: 0, savedAt: 1 })], 'setup.open': () => ({ proxies: ['p1', 'p2'], servers: ['s1'], clients: [], failures: [] }) })
    const w = mountIt(SetupsMenu)
    await choose(w, 'Setups…')
    const d = dialog('Setups')
    const rows = [...d.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('th, td')].slice(0, 2).map((c) => c.textContent?.trim()))
    expect(rows).toEqual([
      ['lab', '2 proxies and 1 server'],
      ['empty', 'nothing']
    ])
    // The third cell, under the "Saved" column, says when.
    expect([...d.querySelectorAll('th')].map((h) => h.textContent?.trim())).toContain('Saved')
    expect([...d.querySelectorAll('tbody tr')][0].querySelectorAll('th, td')[2]?.textContent).toMatch(/2026/)
    buttonIn(d, 'Open lab').click()
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'setup.open').map((c) => c.args)).toEqual([{ name: 'lab' }])
    expect(document.querySelector('dialog')).toBeNull()
    expect(useSetupsStore().note?.kind).toBe('started')
  })

  it('asks before deleting, and duplicates under the name it suggests', async () => {
    let list = [entry('lab')]
    const t = engine({
      'setup.list': () => list,
      'setup.delete': ({ name }) => void (list = list.filter((e) => e.name !== name)),
      'setup.duplicate': ({ as }) => {
        list = [...list, entry(as)]
        return entry(as)
      }
    })
    const w = mountIt(SetupsMenu)
    await choose(w, 'Setups…')
    const d = dialog('Setups')
    buttonIn(d, 'Duplicate lab').click()
    await flushPromises()
    const dup = dialog('Duplicate “lab”')
    expect(fieldIn(dup, 'Name').value).toBe('lab copy')
    await submit(dup)
    expect(t.calls.filter((c) => c.cmd === 'setup.duplicate').map((c) => c.args)).toEqual([{ name: 'lab', as: 'lab copy' }])
    expect(d.querySelectorAll('tbody tr')).toHaveLength(2)

    buttonIn(d, 'Delete lab').click()
    await flushPromises()
    const ask = dialog('Delete setup “lab”?')
    buttonIn(ask, 'Cancel').click()
    await flushPromises()
    expect(t.calls.some((c) => c.cmd === 'setup.delete')).toBe(false)
    buttonIn(d, 'Delete lab').click()
    await flushPromises()
    await submit(dialog('Delete setup “lab”?'))
    expect(t.calls.filter((c) => c.cmd === 'setup.delete').map((c) => c.args)).toEqual([{ name: 'lab' }])
    expect([...d.querySelectorAll('tbody th')].map((c) => c.textContent?.trim())).toEqual(['lab copy'])
  })

  it('says when there is none yet, in Chinese too', async () => {
    engine({ 'setup.list': () => [] })
    const w = mountIt(SetupsMenu, 'zh-CN')
    await choose(w, '配置列表…')
    expect(dialog('配置').textContent).toContain('还没有保存的配置。')
  })
})

describe('importing a setup', () => {
  it('says a file that is not JSON is not, suggests the file name, and puts each wrong field on its own line', async () => {
    const problems = '3 problems: proxies[0].start.target: expected a string, got number; servers[0].echo: unknown field; colour: unknown field'
    const t = engine({ 'setup.import': ({ name, setup: s }) => ((s as unknown as { colour?: string }).colour ? Promise.reject(new EngineError('EINVAL', problems)) : entry(name)) })
    const w = mountIt(SetupsMenu)
    await choose(w, 'Import setup…')
    const d = dialog('Import setup')
    await submit(d)
    expect(d.textContent).toContain('Choose a setup file.')
    const file = fieldIn(d, 'Setup file (.json)')
    await chooseFile(file, 'notes.json', '{ proxies: oops')
    expect(d.querySelector('[role=alert]')?.textContent).toMatch(/^\s*This file is not JSON: /)
    expect(fieldIn(d, 'Name').value).toBe('notes')

    await chooseFile(file, 'lab.tcpscope-setup.json', JSON.stringify({ ...setup(), colour: 'red' }))
    expect(fieldIn(d, 'Name').value).toBe('lab')
    await submit(d)
    const lines = [...d.querySelectorAll('[role=alert] li')].map((li) => li.textContent?.trim())
    expect(lines).toEqual(['proxies[0].start.target: expected a string, got number', 'servers[0].echo: unknown field', 'colour: unknown field'])
    expect(file.getAttribute('aria-invalid')).toBe('true')

    await chooseFile(file, 'good.json', JSON.stringify(setup()))
    // The person typed no name: the new file's is suggested.
    expect(fieldIn(d, 'Name').value).toBe('good')
    await type(fieldIn(d, 'Name'), 'mine')
    await submit(d)
    expect(t.calls.filter((c) => c.cmd === 'setup.import').map((c) => (c.args as { name: string }).name)).toEqual(['lab', 'mine'])
    expect(document.querySelector('dialog')).toBeNull()
  })
})

/** A file whose text comes only when the test says so, as a large file on a slow disk. */
function slowFile(name: string): { file: File; give: (text: string) => void } {
  let give!: (text: string) => void
  const text = new Promise<string>((resolve) => (give = resolve))
  const file = new File(['x'], name, { type: 'application/json' })
  Object.defineProperty(file, 'text', { value: () => text })
  return { file, give }
}
async function chooseThat(input: HTMLInputElement, file: File): Promise<void> {
  Object.defineProperty(input, 'files', { value: [file], configurable: true })
  input.dispatchEvent(new Event('change'))
  await flushPromises()
}

describe('importing a file still being read', () => {
  it('waits for the read when Import comes first, and a file chosen earlier but read later is not the one imported', async () => {
    const t = engine({ 'setup.import': ({ name }) => entry(name) })
    const w = mountIt(SetupsMenu)
    await choose(w, 'Import setup…')
    const d = dialog('Import setup')
    const input = fieldIn(d, 'Setup file (.json)')
    const first = slowFile('old.json')
    const second = slowFile('new.json')
    await chooseThat(input, first.file)
    await chooseThat(input, second.file)
    // The name is there at once; Import is pressed before either file is read.
    expect(fieldIn(d, 'Name').value).toBe('new')
    await submit(d)
    expect(t.calls.filter((c) => c.cmd === 'setup.import')).toHaveLength(0)
    second.give(JSON.stringify(setup({ servers: [{ listen: '127.0.0.1:9001' }] })))
    await flushPromises()
    first.give(JSON.stringify(setup({ servers: [{ listen: '127.0.0.1:9000' }] })))
    await flushPromises()
    const calls = t.calls.filter((c) => c.cmd === 'setup.import').map((c) => c.args as { name: string; setup: Setup })
    expect(calls.map((c) => [c.name, c.setup.servers])).toEqual([['new', [{ listen: '127.0.0.1:9001' }]]])
    expect(d.textContent).not.toContain('Choose a setup file.')
    expect(document.querySelector('dialog')).toBeNull()
  })
})

describe('the bar above the list', () => {
  const last = (s: Setup): LastSetup => ({ setup: s, savedAt: 1, proxies: s.proxies.length, servers: s.servers.length, clients: s.clients.length })
  const three = setup({ proxies: [0, 1, 2].map((i) => ({ start: { listen: `127.0.0.1:${4000 + i}`, target: '127.0.0.1:6379' } })), servers: [{ listen: '127.0.0.1:9000' }] })

  it('offers the last setup with counts that read right; Start restores it and lists what did not start', async () => {
    const t = engine({
      'setup.last': () => last(three),
      'setup.restore': () => ({ proxies: ['p1', 'p2'], servers: ['s1'], clients: [], failures: [{ what: 'proxy 127.0.0.1:4002 → 127.0.0.1:6379', part: { kind: 'proxy', where: '127.0.0.1:4002 → 127.0.0.1:6379' }, message: 'address in use' }] })
    })
    const w = mountIt(SetupsBar)
    await flushPromises()
    expect(w.find('section').attributes('aria-label')).toBe('Last time')
    expect(w.text()).toContain('Start the 3 proxies and 1 server from last time?')
    await w.findAll('button').find((b) => b.text() === 'Start')!.trigger('click')
    await flushPromises()
    expect(t.calls.filter((c) => c.cmd === 'setup.restore')).toHaveLength(1)
    const alert = w.find('[role=alert]')
    expect(alert.text()).toContain('From last time: started 2 proxies and 1 server. 1 part did not start:')
    expect(alert.findAll('li').map((li) => li.text())).toEqual(['proxy 127.0.0.1:4002 → 127.0.0.1:6379 did not start: address in use'])
    await w.find('button[aria-label=Dismiss]').trigger('click')
    expect(w.find('section').exists()).toBe(false)
  })

  it('speaks Chinese, and Not now puts the offer away', async () => {
    engine({ 'setup.last': () => last(three) })
    const w = mountIt(SetupsBar, 'zh-CN')
    await flushPromises()
    expect(w.text()).toContain('启动上次的 3 个代理和 1 个服务器？')
    await w.findAll('button').find((b) => b.text() === '暂不')!.trigger('click')
    expect(w.find('section').exists()).toBe(false)
  })

  it('counts one of a kind in the singular', async () => {
    engine({ 'setup.last': () => last(setup({ servers: [{ listen: '127.0.0.1:9000' }] })) })
    const w = mountIt(SetupsBar)
    await flushPromises()
    expect(w.text()).toContain('Start the 1 proxy and 1 server from last time?')
  })
})

// The application menu as a pure function of the page's state: open, save as, recent files,
// close, language and theme, shortcuts; reload and devtools while developing only. Each click
// becomes an action; open and save ask the native dialog first, then tell the page.
import { describe, expect, it } from 'vitest'
import type { MenuItemConstructorOptions } from 'electron'
import { appMenuTemplate, runMenuAction, type MenuAction } from '../../src/main/menu'
import type { FileDialogRequest, ShellCommand, ShellState } from '../../src/shared/shell'

const STATE: ShellState = { recent: ['/data/a.tcap', '/data/b.tcap'], language: 'en', theme: 'system', canClose: true }

function build(opts: { dev?: boolean; platform?: NodeJS.Platform; state?: Partial<ShellState> } = {}) {
  const acted: MenuAction[] = []
  const template = appMenuTemplate({ dev: opts.dev ?? false, platform: opts.platform ?? 'linux', state: { ...STATE, ...opts.state }, act: (a) => acted.push(a) })
  return { template, acted }
}

const roles = (items: MenuItemConstructorOptions[]): string[] =>
  items.flatMap((item) => [item.role ?? item.label ?? '', ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])])

/** The item reached by labels, e.g. find(t, 'File', 'Open recent', '/data/a.tcap'). */
function find(items: MenuItemConstructorOptions[], ...labels: string[]): MenuItemConstructorOptions {
  let item: MenuItemConstructorOptions | undefined
  let level = items
  for (const label of labels) {
    item = level.find((i) => i.label?.replace('&', '') === label)
    if (!item) throw new Error(`no menu item "${label}" among ${level.map((i) => i.label ?? i.role).join(', ')}`)
    level = Array.isArray(item.submenu) ? item.submenu : []
  }
  return item!
}

const click = (item: MenuItemConstructorOptions): void => (item.click as unknown as () => void)()

describe('application menu', () => {
  it('has Quit and About, and no devtools in a release', () => {
    const release = roles(build().template)
    expect(release).toEqual(expect.arrayContaining(['quit', 'about']))
    expect(release).not.toContain('toggleDevTools')
    expect(release).not.toContain('reload')
  })

  it('adds reload and devtools while developing', () => {
    expect(roles(build({ dev: true }).template)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']))
  })

  it('uses the app menu on macOS, where Quit and About live', () => {
    const mac = build({ platform: 'darwin' }).template
    expect(roles(mac)[0]).toBe('appMenu')
    expect(roles(mac)).not.toContain('quit')
    expect(roles(mac)).not.toContain('about')
  })

  it('File: open and save as ask for a dialog, with the usual accelerators', () => {
    const { template, acted } = build()
    const open = find(template, 'File', 'Open capture…')
    const save = find(template, 'File', 'Save capture as…')
    expect([open.accelerator, save.accelerator]).toEqual(['CmdOrCtrl+O', 'CmdOrCtrl+S'])
    click(open)
    click(save)
    expect(acted).toEqual([{ kind: 'open-dialog' }, { kind: 'save-dialog' }])
  })

  it('File: Open recent lists the recent files, and a click opens that one', () => {
    const { template, acted } = build()
    expect(find(template, 'File', 'Open recent').submenu).toHaveLength(2)
    click(find(template, 'File', 'Open recent', '/data/b.tcap'))
    expect(acted).toEqual([{ kind: 'open', path: '/data/b.tcap' }])
  })

  it('File: Open recent says when there are none, and cuts a long path at its start', () => {
    const none = find(build({ state: { recent: [] } }).template, 'File', 'Open recent').submenu as MenuItemConstructorOptions[]
    expect(none).toEqual([{ label: 'No recent files', enabled: false }])
    const long = `/${'deep/'.repeat(30)}file.tcap`
    const [item] = find(build({ state: { recent: [long] } }).template, 'File', 'Open recent').submenu as MenuItemConstructorOptions[]
    expect(item.label).toMatch(/^….*\/file\.tcap$/)
    expect(item.label!.length).toBe(80)
  })

  it('File: Close capture is there only when a capture file is on screen', () => {
    expect(find(build({ state: { canClose: true } }).template, 'File', 'Close capture').enabled).toBe(true)
    expect(find(build({ state: { canClose: false } }).template, 'File', 'Close capture').enabled).toBe(false)
    const { template, acted } = build()
    click(find(template, 'File', 'Close capture'))
    expect(acted).toEqual([{ kind: 'close-capture' }])
  })

  it('File: Replay capture asks the page for its replay dialog', () => {
    const { template, acted } = build()
    click(find(template, 'File', 'Replay capture…'))
    expect(acted).toEqual([{ kind: 'replay-capture' }])
    expect(() => find(build({ state: { language: 'zh-CN' } }).template, '文件(F)', '重放抓包…')).not.toThrow()
  })

  it('View: language and theme as radio items, checked as the page says', () => {
    const { template, acted } = build({ state: { language: 'zh-CN', theme: 'dark' } })
    // Labels follow the page's language; each language keeps its own name.
    const languages = find(template, '视图(V)', '语言').submenu as MenuItemConstructorOptions[]
    expect(languages.map((i) => [i.label, i.type, i.checked])).toEqual([
      ['English', 'radio', false],
      ['简体中文', 'radio', true]
    ])
    const themes = find(template, '视图(V)', '主题').submenu as MenuItemConstructorOptions[]
    expect(themes.map((i) => [i.label, i.checked])).toEqual([
      ['跟随系统', false],
      ['浅色', false],
      ['深色', true]
    ])
    click(languages[0])
    click(themes[1])
    expect(acted).toEqual([
      { kind: 'language', language: 'en' },
      { kind: 'theme', theme: 'light' }
    ])
  })

  it('Help: keyboard shortcuts, and the start panel', () => {
    const { template, acted } = build()
    click(find(template, 'Help', 'Keyboard shortcuts'))
    click(find(template, 'Help', 'Start panel'))
    expect(acted).toEqual([{ kind: 'shortcuts' }, { kind: 'start-panel' }])
  })
})

describe('running a menu action', () => {
  async function run(action: MenuAction, chosen: string | undefined) {
    const asked: FileDialogRequest[] = []
    const sent: ShellCommand[] = []
    await runMenuAction(action, {
      choose: async (r) => {
        asked.push(r)
        return chosen
      },
      send: (c) => sent.push(c)
    })
    return { asked, sent }
  }

  it('open: the path chosen in the native dialog goes to the page to open', async () => {
    expect(await run({ kind: 'open-dialog' }, '/data/c.tcap')).toEqual({ asked: [{ mode: 'open' }], sent: [{ kind: 'open', path: '/data/c.tcap' }] })
  })

  it('save as: the path chosen goes to the page to save the live capture there', async () => {
    expect(await run({ kind: 'save-dialog' }, '/data/copy.tcap')).toEqual({ asked: [{ mode: 'save' }], sent: [{ kind: 'save', path: '/data/copy.tcap' }] })
  })

  it('a cancelled dialog tells the page nothing', async () => {
    expect(await run({ kind: 'open-dialog' }, undefined)).toEqual({ asked: [{ mode: 'open' }], sent: [] })
  })

  it('other actions go to the page as they are, with no dialog', async () => {
    expect(await run({ kind: 'close-capture' }, '/x')).toEqual({ asked: [], sent: [{ kind: 'close-capture' }] })
  })
})

// The menu offers reload and devtools while developing, never in a release.
import { describe, expect, it } from 'vitest'
import type { MenuItemConstructorOptions } from 'electron'
import { appMenuTemplate } from '../../src/main/menu'

const roles = (items: MenuItemConstructorOptions[]): string[] =>
  items.flatMap((item) => [item.role ?? item.label ?? '', ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])])

describe('application menu', () => {
  it('has Quit and About, and no devtools in a release', () => {
    const release = roles(appMenuTemplate({ dev: false, platform: 'linux' }))
    expect(release).toEqual(expect.arrayContaining(['quit', 'about']))
    expect(release).not.toContain('toggleDevTools')
    expect(release).not.toContain('reload')
  })

  it('adds reload and devtools while developing', () => {
    expect(roles(appMenuTemplate({ dev: true, platform: 'linux' }))).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']))
  })

  it('uses the app menu on macOS', () => {
    expect(roles(appMenuTemplate({ dev: false, platform: 'darwin' }))[0]).toBe('appMenu')
  })
})

// The application menu: quitting, About, and reload/devtools while developing only.

import type { MenuItemConstructorOptions } from 'electron'

export function appMenuTemplate(opts: { dev: boolean; platform: NodeJS.Platform }): MenuItemConstructorOptions[] {
  const menu: MenuItemConstructorOptions[] = []
  // macOS puts Quit and About in the app menu; elsewhere they live in File and Help.
  if (opts.platform === 'darwin') menu.push({ role: 'appMenu' })
  else menu.push({ label: 'File', submenu: [{ role: 'quit' }] })
  // Without an Edit menu the copy/paste shortcuts do nothing on macOS.
  menu.push({ role: 'editMenu' })
  if (opts.dev) {
    menu.push({ label: 'View', submenu: [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }] })
  }
  if (opts.platform !== 'darwin') menu.push({ role: 'help', submenu: [{ role: 'about' }] })
  return menu
}

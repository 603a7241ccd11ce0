// The application menu, built from what the page says it shows (ShellState): File (open,
// save as, recent, replay, close), View (language, theme; reload and devtools while developing
// only), Help (shortcuts, About). A pure function of its inputs: every click becomes a
// MenuAction for the caller to run, so the template is tested without Electron.

import type { MenuItemConstructorOptions } from 'electron'
import { THEME_CHOICES, UI_LANGUAGES, type FileDialogRequest, type ShellCommand, type ShellState } from '../shared/shell'
import { LANGUAGE_NAMES, menuLabels } from './menu-labels'

/** What a menu click asks for: a shell command for the page, or a native dialog first. */
export type MenuAction = ShellCommand | { kind: 'open-dialog' } | { kind: 'save-dialog' }

export interface MenuOptions {
  dev: boolean
  platform: NodeJS.Platform
  state: ShellState
  act: (action: MenuAction) => void
}

/** Where a long path is cut in the recent list: its end, which names the file. */
const shownPath = (path: string): string => (path.length > 80 ? `…${path.slice(-79)}` : path)

export function appMenuTemplate({ dev, platform, state, act }: MenuOptions): MenuItemConstructorOptions[] {
  const l = menuLabels(state.language)
  const mac = platform === 'darwin'
  const recent: MenuItemConstructorOptions[] = state.recent.length
    ? state.recent.map((path) => ({ label: shownPath(path), click: () => act({ kind: 'open', path }) }))
    : [{ label: l.noRecent, enabled: false }]
  const file: MenuItemConstructorOptions[] = [
    { label: l.open, accelerator: 'CmdOrCtrl+O', click: () => act({ kind: 'open-dialog' }) },
    { label: l.recent, submenu: recent },
    { label: l.save, accelerator: 'CmdOrCtrl+S', click: () => act({ kind: 'save-dialog' }) },
    { label: l.replay, click: () => act({ kind: 'replay-capture' }) },
    { type: 'separator' },
    { label: l.close, accelerator: 'CmdOrCtrl+W', enabled: state.canClose, click: () => act({ kind: 'close-capture' }) },
    // macOS puts Quit in the app menu.
    ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const])
  ]
  const themeNames = { system: l.themeSystem, light: l.themeLight, dark: l.themeDark }
  const view: MenuItemConstructorOptions[] = [
    {
      label: l.language,
      submenu: UI_LANGUAGES.map((language) => ({
        label: LANGUAGE_NAMES[language],
        type: 'radio' as const,
        checked: state.language === language,
        click: () => act({ kind: 'language', language })
      }))
    },
    {
      label: l.theme,
      submenu: THEME_CHOICES.map((theme) => ({
        label: themeNames[theme],
        type: 'radio' as const,
        checked: state.theme === theme,
        click: () => act({ kind: 'theme', theme })
      }))
    },
    ...(dev ? [{ type: 'separator' } as const, { role: 'reload' } as const, { role: 'forceReload' } as const, { role: 'toggleDevTools' } as const] : [])
  ]
  const help: MenuItemConstructorOptions[] = [
    { label: l.shortcuts, accelerator: 'F1', click: () => act({ kind: 'shortcuts' }) },
    { label: l.startPanel, click: () => act({ kind: 'start-panel' }) },
    // macOS puts About in the app menu.
    ...(mac ? [] : [{ role: 'about' } as const])
  ]
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    { label: l.file, submenu: file },
    // Without an Edit menu the copy/paste shortcuts do nothing on macOS.
    { role: 'editMenu' },
    { label: l.view, submenu: view },
    { label: l.help, role: 'help', submenu: help }
  ]
}

/**
 * Runs a menu click: the native dialog first where one is needed, then a command for the
 * page, which opens or saves the way its own buttons do (progress, cancel, errors, recent).
 */
export async function runMenuAction(
  action: MenuAction,
  deps: { choose: (request: FileDialogRequest) => Promise<string | undefined>; send: (command: ShellCommand) => void }
): Promise<void> {
  if (action.kind === 'open-dialog' || action.kind === 'save-dialog') {
    const mode = action.kind === 'open-dialog' ? 'open' : 'save'
    const path = await deps.choose({ mode })
    if (path !== undefined) deps.send({ kind: mode, path })
    return
  }
  deps.send(action)
}

// The desktop app's shell, as the page sees it: the preload's bridge when it has the shell
// functions (menu commands, native dialogs, dropped files' paths), nothing in web mode.

import type { TcpscopeBridge } from '../../../../preload/bridge'

export type DesktopShell = TcpscopeBridge

export function desktopShell(): DesktopShell | undefined {
  const bridge = typeof window === 'undefined' ? undefined : window.tcpscope
  return bridge && typeof bridge.onShellCommand === 'function' ? bridge : undefined
}

// The desktop app's menu and command line, as the page sees them: their commands run through
// the same store actions as the page's own buttons (so progress, cancel, errors and recent
// files behave the same), and the menu is kept showing what the page shows. Nothing in web mode.

import { onBeforeUnmount, watch } from 'vue'
import { LIVE_CAPTURE } from '../../../shared/capture-types'
import type { ShellCommand, ShellState } from '../../../shared/shell'
import { desktopShell } from '../features/files/desktop-shell'
import { useConnectionsStore } from '../features/connections/connections-store'
import { useDocumentsStore } from '../features/files/documents-store'
import { useReplayCaptureStore } from '../features/replay/capture/replay-capture-store'
import { useSettingsStore } from '../features/settings/settings-store'

export function useDesktopShell(actions: { showShortcuts(): void; showStart(): void }): void {
  const shell = desktopShell()
  if (!shell) return
  const docs = useDocumentsStore()
  const settings = useSettingsStore()
  const list = useConnectionsStore()
  const replayCapture = useReplayCaptureStore()

  const run = (command: ShellCommand): void => {
    switch (command.kind) {
      case 'open':
        void docs.open(command.path)
        break
      case 'save':
        // The native save dialog has already asked before replacing a file.
        void docs.save(command.path, { confirmed: true })
        break
      case 'close-capture':
        void docs.close(list.capture)
        break
      case 'replay-capture':
        replayCapture.open()
        break
      case 'language':
        settings.language = command.language
        break
      case 'theme':
        settings.theme = command.theme
        break
      case 'shortcuts':
        actions.showShortcuts()
        break
      case 'start-panel':
        actions.showStart()
        break
    }
  }
  const off = shell.onShellCommand(run)
  onBeforeUnmount(off)

  watch(
    (): ShellState => ({ recent: [...settings.recent], language: settings.language, theme: settings.theme, canClose: list.capture !== LIVE_CAPTURE }),
    (state) => shell.setShellState(state),
    { immediate: true, deep: true }
  )
}

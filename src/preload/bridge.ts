// The object the preload exposes to the page as `window.tcpscope`: a frame port for the
// engine's envelope (src/shared/wire.ts), and the desktop shell's few words with the page
// (src/shared/shell.ts). Types only, shared by preload and renderer.

import type { FileDialogRequest, ShellCommand, ShellState } from '../shared/shell'
import type { FramePort } from '../shared/transport'

export interface TcpscopeBridge extends Pick<FramePort, 'send' | 'onFrame'> {
  /** The menu or the command line asks the page to do something; returns the unsubscribe. */
  onShellCommand(listener: (command: ShellCommand) => void): () => void
  /** What the menu shows: recent files, language, theme, whether a capture can be closed. */
  setShellState(state: ShellState): void
  /** A native open or save dialog; the chosen path, or null when the user cancelled. */
  chooseFile(request: FileDialogRequest): Promise<string | null>
  /** Where a dropped or chosen file is on disk ('' for one that is not a file on disk). */
  pathForFile(file: File): string
}

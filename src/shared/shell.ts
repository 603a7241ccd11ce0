// The desktop shell's few words with the page, beside the engine's frames: the menu and
// the command line ask the page to open or save a capture (the page runs it, so it shows
// progress, cancel and errors the same way as for its own buttons); the page tells the
// shell what the menu should show; and the page asks for a native file dialog. Web mode has
// none of this. The main process checks each message against these schemas.

import { arr, bool, obj, oneOf, optional, str, type Infer } from './schema'

/** Main -> page: a ShellCommand. */
export const SHELL_COMMAND_CHANNEL = 'tcpscope.shell.command'
/** Page -> main: the ShellState the menu shows. */
export const SHELL_STATE_CHANNEL = 'tcpscope.shell.state'
/** Page -> main, answered: a native open or save dialog; the chosen path, or null. */
export const SHELL_DIALOG_CHANNEL = 'tcpscope.shell.dialog'

export const UI_LANGUAGES = ['en', 'zh-CN'] as const
export type UiLanguage = (typeof UI_LANGUAGES)[number]
export const THEME_CHOICES = ['system', 'light', 'dark'] as const
export type ThemeChoice = (typeof THEME_CHOICES)[number]

/** The recent files the menu lists (the page keeps them). */
export const MAX_RECENT_FILES = 10

/** What the shell asks the page to do. */
export type ShellCommand =
  /** Open this capture file (chosen in the native dialog, the recent menu, or given on the command line). */
  | { kind: 'open'; path: string }
  /** Save the live capture here; the native dialog has already asked about replacing a file. */
  | { kind: 'save'; path: string }
  /** Close the capture file on screen. */
  | { kind: 'close-capture' }
  /** Open the dialog that replays the capture on screen against a target. */
  | { kind: 'replay-capture' }
  | { kind: 'language'; language: UiLanguage }
  | { kind: 'theme'; theme: ThemeChoice }
  | { kind: 'shortcuts' }
  /** Show the start panel again (Help menu). */
  | { kind: 'start-panel' }

const path = str({ nonEmpty: true, max: 4096 })

export const shellState = obj({
  recent: arr(path, { max: MAX_RECENT_FILES }),
  language: oneOf(UI_LANGUAGES),
  theme: oneOf(THEME_CHOICES),
  /** A capture file (not the live capture) is on screen, so "Close capture" has something to close. */
  canClose: bool()
})
export type ShellState = Infer<typeof shellState>

export const fileDialogRequest = obj({
  mode: oneOf(['open', 'save'] as const),
  /** Where the dialog starts (a recent file, or the name to save under). */
  defaultPath: optional(str({ max: 4096 }))
})
export type FileDialogRequest = Infer<typeof fileDialogRequest>

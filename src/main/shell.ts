// The desktop shell's messages with the page, beside the engine frames of ipc.ts: commands
// to the page (held until the page has loaded and listens), the page's menu state, and its
// requests for a native file dialog. Every message from the page is checked for who sent it
// (the same check as frames) and against the schemas of src/shared/shell.ts. Only types come
// from electron, so this runs, and is tested, in plain Node.

import { SHELL_COMMAND_CHANNEL, SHELL_DIALOG_CHANNEL, SHELL_STATE_CHANNEL, fileDialogRequest, shellState, type FileDialogRequest, type ShellCommand, type ShellState } from '../shared/shell'
import type { Logger } from '../core/front/engine-endpoint'
import { refusal, type FrameEvent, type SenderCheck } from './ipc'

/** The parts of Electron's WebContents used here. */
export interface ShellContents {
  send(channel: string, message: ShellCommand): void
  isDestroyed(): boolean
  isLoading(): boolean
  on(event: 'did-finish-load' | 'destroyed', listener: () => void): unknown
}

export type ShellListener = (event: FrameEvent, message: unknown) => void
export type DialogHandler = (event: FrameEvent, request: unknown) => Promise<string | null>

/** The parts of Electron's ipcMain used here. */
export interface ShellIpc {
  on(channel: string, listener: ShellListener): unknown
  removeListener(channel: string, listener: ShellListener): unknown
  handle(channel: string, handler: DialogHandler): void
  removeHandler(channel: string): void
}

/**
 * Commands for one window's page. Sent at once while the page is up; held while it loads
 * (a capture named on the command line comes before the page can listen) and sent when it
 * has loaded, in order.
 */
export class ShellPort {
  private held: ShellCommand[] = []

  constructor(private readonly contents: ShellContents) {
    contents.on('did-finish-load', () => {
      for (const command of this.held.splice(0)) this.deliver(command)
    })
  }

  send(command: ShellCommand): void {
    if (this.contents.isDestroyed()) return
    if (this.contents.isLoading()) this.held.push(command)
    else this.deliver(command)
  }

  private deliver(command: ShellCommand): void {
    if (!this.contents.isDestroyed()) this.contents.send(SHELL_COMMAND_CHANNEL, command)
  }
}

export interface ShellHandlers {
  /** The page's menu state changed. */
  state(state: ShellState): void
  /** A native dialog for the page; undefined when the user cancelled. */
  choose(request: FileDialogRequest): Promise<string | undefined>
}

/** Serves the page's shell messages until the window is destroyed; returns the stop function. */
export function serveShell(ipc: ShellIpc, contents: { on(event: 'destroyed', listener: () => void): unknown }, isTrustedSender: SenderCheck, handlers: ShellHandlers, log: Logger): () => void {
  const checked = <T>(event: FrameEvent, what: string, message: unknown, parse: (value: unknown) => T): T | undefined => {
    if (event.sender !== contents) return undefined
    const why = refusal(event, isTrustedSender)
    if (why !== undefined) {
      log(`tcpscope: refused ${what}: ${why}`)
      return undefined
    }
    try {
      return parse(message)
    } catch (err) {
      log(`tcpscope: refused ${what}: ${(err as Error).message}`)
      return undefined
    }
  }
  const onState: ShellListener = (event, message) => {
    const state = checked(event, 'a menu state', message, (v) => shellState.parse(v, 'state'))
    if (state) handlers.state(state)
  }
  const onDialog: DialogHandler = async (event, request) => {
    const parsed = checked(event, 'a file dialog', request, (v) => fileDialogRequest.parse(v, 'request'))
    if (!parsed) throw new Error('refused')
    return (await handlers.choose(parsed)) ?? null
  }
  ipc.on(SHELL_STATE_CHANNEL, onState)
  ipc.handle(SHELL_DIALOG_CHANNEL, onDialog)
  const stop = (): void => {
    ipc.removeListener(SHELL_STATE_CHANNEL, onState)
    ipc.removeHandler(SHELL_DIALOG_CHANNEL)
  }
  contents.on('destroyed', stop)
  return stop
}

// The one adapter between the engine and Electron IPC: envelope frames (src/shared/wire.ts)
// on FRAME_CHANNEL both ways, each checked for who sent it, then handed to an
// EngineEndpoint, which validates and runs the command. Each page load gets a fresh
// endpoint (and so a fresh snapshot). Only types come from electron, so this runs, and is
// tested, in plain Node.

import { ALL_FILE_ACCESS, EngineEndpoint, type EndpointEngine, type Logger } from '../core/front/engine-endpoint'
import { FRAME_CHANNEL } from '../shared/transport'

/** The parts of Electron's WebFrameMain the sender check reads. */
export interface SenderFrame {
  readonly url: string
  readonly parent: unknown
}

/** The parts of Electron's WebContents used here. */
export interface PageContents {
  send(channel: string, frame: Uint8Array): void
  isDestroyed(): boolean
  on(event: 'did-finish-load' | 'destroyed', listener: () => void): unknown
}

/** The parts of Electron's IpcMainEvent used here. */
export interface FrameEvent {
  readonly sender: unknown
  /** Null when the frame navigated away or was destroyed before we looked. */
  readonly senderFrame: SenderFrame | null
}

export type FrameListener = (event: FrameEvent, frame: unknown) => void

/** The parts of Electron's ipcMain used here. */
export interface IpcFrames {
  on(channel: string, listener: FrameListener): unknown
  removeListener(channel: string, listener: FrameListener): unknown
}

export type SenderCheck = (frame: SenderFrame) => boolean

/** Why a frame is refused, or undefined when it comes from the app's own page. */
export function refusal(event: FrameEvent, isTrustedSender: SenderCheck): string | undefined {
  try {
    const frame = event.senderFrame
    if (!frame) return 'the sending frame is gone'
    // Sub-frames never get the preload, so a sub-frame calling in is something injected.
    if (frame.parent !== null) return `a sub-frame (${frame.url}) is not the app`
    if (!isTrustedSender(frame)) return `${frame.url} is not the app`
    return undefined
  } catch {
    // Reading a destroyed WebFrameMain throws; treat it as gone.
    return 'the sending frame is gone'
  }
}

/**
 * Serves the engine to one window's page until the window is destroyed; returns the
 * function that stops it. The desktop app may read the user's files (payloads of kind
 * `file`): the user is the one at the keyboard.
 */
export function serveEngineOverIpc(ipc: IpcFrames, engine: EndpointEngine, contents: PageContents, isTrustedSender: SenderCheck, log: Logger): () => void {
  let endpoint: EngineEndpoint | undefined
  const open = (): void => {
    endpoint?.close()
    endpoint = new EngineEndpoint(
      engine,
      { files: ALL_FILE_ACCESS, filesHint: '' },
      {
        send: (frame) => {
          if (!contents.isDestroyed()) contents.send(FRAME_CHANNEL, frame)
        },
        // IPC has no backpressure to read; batches are few and bounded.
        congested: () => false
      },
      log
    )
    endpoint.start()
  }
  const onFrame: FrameListener = (event, frame) => {
    if (event.sender !== contents) return
    const why = refusal(event, isTrustedSender)
    if (why !== undefined) return log(`tcpscope: refused a frame: ${why}`)
    if (!(frame instanceof Uint8Array)) return log('tcpscope: refused a frame that is not bytes')
    endpoint?.receive(frame)
  }
  const stop = (): void => {
    endpoint?.close()
    endpoint = undefined
    ipc.removeListener(FRAME_CHANNEL, onFrame)
  }
  ipc.on(FRAME_CHANNEL, onFrame)
  // By did-finish-load the page's scripts have run and listen for the snapshot.
  contents.on('did-finish-load', open)
  contents.on('destroyed', stop)
  return stop
}

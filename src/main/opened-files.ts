// The captures the system asks the app to open: a double-click on a `.tcap` or `.tcpscope`
// file (electron-builder.yml's file associations) starts the app with the path on its
// command line on Linux and Windows, hands it to the running app as a second launch's
// command line, or on macOS arrives as `open-file`, which can come before the app is ready.
// Each waits until the page can take it. Only types come from electron, so this runs, and is
// tested, in plain Node.

import { capturePathsFromArgv } from './argv'

/** The parts of Electron's app used here. */
export interface OpenedFilesApp {
  on(event: 'second-instance', listener: (event: unknown, argv: string[], workingDirectory: string) => void): unknown
  on(event: 'open-file', listener: (event: { preventDefault(): void }, path: string) => void): unknown
}

/** Paths to open, in the order they came; held while no page can take them. */
export class OpenedFiles {
  private waiting: string[] = []
  private open: ((path: string) => void) | undefined

  add(paths: readonly string[]): void {
    for (const path of paths) {
      if (this.open) this.open(path)
      else this.waiting.push(path)
    }
  }

  /** A page can take files now: those that waited go first, in order. */
  connect(open: (path: string) => void): void {
    this.open = open
    for (const path of this.waiting.splice(0)) open(path)
  }

  /** The page is gone; files wait again. */
  disconnect(): void {
    this.open = undefined
  }
}

/**
 * Listens for files handed to the running app: a second launch's command line (with the
 * single-instance lock, the second process quits and its arguments come here) and macOS's
 * open-file. `raise` brings the window forward for them.
 */
export function receiveOpenedFiles(app: OpenedFilesApp, files: OpenedFiles, opts: { packaged: boolean; raise(): void }): void {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    opts.raise()
    files.add(capturePathsFromArgv(argv, { packaged: opts.packaged, cwd: workingDirectory }))
  })
  app.on('open-file', (event, path) => {
    // Handled: without this, macOS would be told the app could not open the file.
    event.preventDefault()
    files.add([path])
  })
}

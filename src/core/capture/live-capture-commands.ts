// The live capture's part of the engine's command table: a consistent copy of it as it is
// now, saved to a path on the engine's host (capture.save) or kept for a front end to
// download (capture.download.begin; the reads and the end are the files domain's).

import type { CommandTable } from '../command-table'
import type { Downloads } from '../files/downloads'
import type { Captures } from './open-captures'
import type { LiveCapture } from './write/live-capture'

export type LiveCaptureCommand = 'capture.save' | 'capture.download.begin'

export interface LiveCaptureCommandDeps {
  live: LiveCapture
  captures: Captures
  downloads: Downloads
  /** Throws when the engine is shutting down. */
  checkOpen(): void
}

export function liveCaptureCommands({ live, captures, downloads, checkOpen }: LiveCaptureCommandDeps): CommandTable<LiveCaptureCommand> {
  return {
    'capture.save': (args, ctx) => captures.save(args.path, args.confirm, ctx?.signal),
    'capture.download.begin': async () => {
      checkOpen()
      return downloads.begin(await live.snapshot())
    }
  }
}

// The files part of the engine's command table: capture files moving between a front end
// that cannot name a path on the engine's host (a browser) and the engine. Uploads come in
// chunks and open like capture.open; downloads (a copy of the live capture, an export) go
// out in pieces.

import type { CaptureInfo } from '../../shared/capture-types'
import type { CallContext } from '../../shared/contract'
import type { CommandTable } from '../command-table'
import type { Downloads } from './downloads'
import { UserError } from '../../shared/errors'
import type { StoredUpload, Uploads } from './uploads'

export type FileCommand = 'capture.upload.begin' | 'capture.upload.chunk' | 'capture.upload.end' | 'capture.upload.cancel' | 'capture.download.read' | 'capture.download.end'

export interface FileCommandDeps {
  uploads: Uploads
  downloads: Downloads
  /** Opens a capture file as capture.open does. */
  open(path: string, ctx?: CallContext): Promise<CaptureInfo>
  /** A copy of the live capture that had `changes` reached the front end whole: it counts as saved. */
  downloaded(changes: number): void
  /** Throws when the engine is shutting down. */
  checkOpen(): void
}

export function fileCommands({ uploads, downloads, open, downloaded, checkOpen }: FileCommandDeps): CommandTable<FileCommand> {
  return {
    'capture.upload.begin': async (args) => {
      checkOpen()
      return uploads.begin(args.name, args.size)
    },
    'capture.upload.chunk': (args) => uploads.chunk(args.upload, args.offset, args.data),
    'capture.upload.end': async (args, ctx) => {
      const stored = await uploads.finish(args.upload)
      try {
        return await open(stored.path, ctx)
      } catch (err) {
        await uploads.discard(stored.path)
        throw namedAfterUpload(err, stored)
      }
    },
    'capture.upload.cancel': (args) => uploads.cancel(args.upload),
    'capture.download.read': (args) => downloads.read(args.download, args.offset, args.length),
    'capture.download.end': async (args) => {
      const whole = downloads.end(args.download)
      if (whole) downloaded(whole.changes)
    }
  }
}

/** An error about an uploaded file speaks of the name the user knows, not the engine's copy. */
function namedAfterUpload(err: unknown, stored: StoredUpload): unknown {
  if (!(err instanceof UserError) || !err.message.includes(stored.path)) return err
  return new UserError(err.message.split(stored.path).join(stored.name), err.code)
}

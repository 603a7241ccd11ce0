// The argument schemas of the commands on whole captures (contract.ts lists the commands):
// listing, opening, closing and saving them, and moving capture files between a front end
// and the engine's host (uploads, downloads).

import { bytes, int, obj, optional, str } from './schema'
import { captureId, hostPath } from './arg-ids'

export const captureRef = obj({ capture: captureId })
export const openArgs = obj({ path: hostPath })
export const saveArgs = obj({
  path: hostPath,
  /**
   * Replaces the capture that is there: the token an EEXIST answer carried (error.confirm),
   * sent back only once the user has confirmed. Good once, for that file as it was.
   */
  confirm: optional(str({ nonEmpty: true, max: 64 }))
})

/** The most one upload chunk carries: well inside a frame (wire.ts MAX_FRAME_BYTES). */
export const MAX_UPLOAD_CHUNK = 8 * 1024 * 1024
const uploadId = str({ nonEmpty: true, max: 64 })
export const uploadBeginArgs = obj({
  /** The file's name on the front end's machine; the engine keeps only its last part. */
  name: str({ nonEmpty: true, max: 1024 }),
  /** Bytes that will come; the upload is refused at once if that is over the engine's limit. */
  size: int({ min: 0 })
})
export const uploadChunkArgs = obj({
  upload: uploadId,
  /** Where `data` goes: chunks come in order, each at the end of the ones before. */
  offset: int({ min: 0 }),
  data: bytes({ max: MAX_UPLOAD_CHUNK })
})
export const uploadRef = obj({ upload: uploadId })

const downloadId = str({ nonEmpty: true, max: 64 })
export const downloadReadArgs = obj({
  download: downloadId,
  offset: int({ min: 0 }),
  length: int({ min: 1, max: MAX_UPLOAD_CHUNK })
})
export const downloadRef = obj({ download: downloadId })
/** A copy of the live capture being read by a front end: its name, size and connections. */
export interface DownloadStart {
  download: string
  name: string
  size: number
  connections: number
}

// What the one-connection replays (raw, one HTTP request, a keep-alive sequence) share:
// the capture file opened, the connection looked up, its target (--target, or the one it
// was recorded with) parsed, and a target that cannot be reached told apart (exit 3) from
// any other failure. The capture's notes go to stderr once the replay is done.

import type { Endpoint } from '../../shared/endpoint'
import type { FileCapture } from '../../core/capture/read/file-capture'
import { UserError } from '../../core/net/net-errors'
import { parseTargetEndpoint } from '../../core/net/user-endpoint'
import { ReplayConnectError } from '../../core/replay/raw-replay'
import { EXIT, ExitError } from '../exit-codes'
import type { Io } from '../output'
import { captureNotes, openCaptureFile } from './open-capture'

/** Runs `send` on connection `id` of the capture at `path`, to `target` or the connection's own. */
export async function replayConnection<T>(path: string, id: number, target: string | undefined, io: Io, send: (capture: FileCapture, target: Endpoint) => Promise<T>): Promise<T> {
  const capture = await openCaptureFile(path)
  try {
    const conn = await capture.connection(id)
    if (!conn) throw new UserError(`no connection #${id} in ${path}; list them with \`tcpscope ls ${path}\``)
    const endpoint = parseTargetEndpoint(target ?? conn.target, '--target')
    let result: T
    try {
      result = await send(capture, endpoint)
    } catch (err) {
      if (err instanceof ReplayConnectError) throw new ExitError(err.message, EXIT.notConnected)
      throw err
    }
    for (const note of captureNotes(capture.info())) io.err.write(note + '\n')
    return result
  } finally {
    await capture.close()
  }
}

// What the one-connection replays (raw, one HTTP request, a keep-alive sequence) share:
// the capture file opened in the command's engine, the connection looked up, its target
// (--target, or the one it was recorded with) checked, and a target that cannot be reached
// told apart (exit 3) from any other failure. The capture's notes go to stderr once the
// replay is done, and so does the CA file the replay trusted unasked: the one the capture
// recorded for the connection (the recording proxy's --upstream-ca).

import type { Engine } from '../../core/engine'
import { UserError } from '../../core/net/net-errors'
import { ConnectError } from '../../core/net/target/connect-target'
import { parseTargetEndpoint } from '../../core/net/user-endpoint'
import { EXIT, ExitError } from '../exit-codes'
import type { Io } from '../output'
import type { ReplayCaFile } from '../../shared/replay-types'
import { captureNotes, withCaptureFile } from './open-capture'

/** The file a replay reads, as the engine knows it. */
export interface ReplayedFile {
  engine: Engine
  /** The file's id in the engine. */
  capture: string
}

/** Runs `send` on connection `id` of the capture at `path`, which replays it to `target` or the connection's own. */
export async function replayConnection<T>(path: string, id: number, target: string | undefined, io: Io, send: (file: ReplayedFile) => Promise<T>): Promise<T> {
  return withCaptureFile(path, async ({ engine, capture }) => {
    const [conn] = await engine['conn.get']({ capture, ids: [id], protocols: false })
    if (!conn) throw new UserError(`no connection #${id} in ${path}; list them with \`tcpscope ls ${path}\``)
    // Here, to name the option in the message; the engine is given the text as typed.
    parseTargetEndpoint(target ?? conn.target, '--target')
    let result: T
    try {
      result = await send({ engine, capture })
    } catch (err) {
      if (err instanceof ConnectError) throw new ExitError(err.message, EXIT.notConnected)
      throw err
    }
    const ca = recordedCaFile(result)
    if (ca !== undefined) io.err.write(`replay: trusted ${ca} besides the system's CAs: the CA file the capture recorded for the connection (--upstream-ca FILE trusts another)\n`)
    for (const note of captureNotes(await engine['capture.info']({ capture }))) io.err.write(note + '\n')
    return result
  })
}

/** The recorded CA file a replay's result says it trusted: on the result (raw, by message, a sequence), or on its first request's. */
function recordedCaFile(result: unknown): string | undefined {
  const r = result as { caFile?: ReplayCaFile; first?: { caFile?: ReplayCaFile } } | undefined
  const ca = r?.caFile ?? r?.first?.caFile
  return ca?.recorded === true ? ca.path : undefined
}

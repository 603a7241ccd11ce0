// What an HTTP replay's options name: `--exchange 2`, `--exchange 1,2,3` or `--exchange 1-3`
// (from 1; more than one is a keep-alive sequence), and `--request FILE` (`-`: stdin), an
// edited request read whole but never past MAX_EDITED_REQUEST.

import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { MAX_EDITED_REQUEST, MAX_SEQUENCE_REQUESTS } from '../../shared/replay-types'
import { specialKind } from '../../core/files/file-target'
import { UserError } from '../../core/net/net-errors'
import { parseWhole, UsageError } from '../args'

/** The exchanges `--exchange` lists, from 1, in the order given (a range ascending). */
export function parseExchanges(value: string): number[] {
  const out: number[] = []
  for (const item of value.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(item.trim())
    const [lo, hi] = range ? [whole(range[1]), whole(range[2])] : [whole(item.trim()), whole(item.trim())]
    if (hi < lo) throw new UsageError(`replay: --exchange ${item} runs backwards; write ${hi}-${lo}`)
    if (out.length + hi - lo + 1 > MAX_SEQUENCE_REQUESTS) throw new UsageError(`replay: --exchange names more than ${MAX_SEQUENCE_REQUESTS} requests`)
    for (let n = lo; n <= hi; n++) out.push(n)
  }
  return out
}

const whole = (s: string): number => parseWhole('replay', s, '--exchange (N, N,M,... or N-M)', 1)!

/** The edited request `--request` names: a regular file's bytes, or stdin's for `-`. */
export async function readEditedRequest(path: string, stdin: Readable = process.stdin): Promise<Buffer> {
  const bytes = path === '-' ? await readBounded(stdin, 'stdin') : await readRequestFile(path)
  if (bytes.length === 0) throw new UserError(`the edited request in ${path === '-' ? 'stdin' : path} is empty`)
  return bytes
}

async function readRequestFile(path: string): Promise<Buffer> {
  let file
  try {
    // O_NONBLOCK: a FIFO's open would wait for a writer, forever; it opens at once and is refused below.
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UserError(code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${code ?? String(err)}`)
  }
  try {
    const info = await file.stat()
    // A FIFO or device may never end: only a regular file is read.
    if (!info.isFile()) throw new UserError(`${path} is ${specialKind(info) ?? 'not a regular file'}, not a file: --request wants a file holding the request (or - for stdin)`)
    if (info.size > MAX_EDITED_REQUEST) throw new UserError(tooLarge(path))
    return await readBounded(file.createReadStream({ autoClose: false }), path)
  } finally {
    await file.close()
  }
}

const tooLarge = (what: string): string => `the edited request in ${what} is larger than ${MAX_EDITED_REQUEST} bytes, the most a replay sends`

/** A stream's bytes, refused once they pass MAX_EDITED_REQUEST (a file may grow while read). */
async function readBounded(stream: Readable, what: string): Promise<Buffer> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += b.length
    if (size > MAX_EDITED_REQUEST) {
      stream.destroy()
      throw new UserError(tooLarge(what))
    }
    parts.push(b)
  }
  return Buffer.concat(parts)
}

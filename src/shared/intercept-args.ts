// The arguments of intercept.command (Intercept ▸ "A command…"): a program and its arguments
// as an argv array, never a line for a shell (the page splits what the person types with
// command-line.ts first), its working folder, and whether TLS is intercepted.

import { ValidationError, arr, bool, obj, optional, str, type Schema } from './schema'

/** The most words a command takes, and the longest one (Linux's own limit on one is 128 KiB). */
export const MAX_COMMAND_WORDS = 256
export const MAX_COMMAND_WORD = 8192

const words = arr(str({ max: MAX_COMMAND_WORD }), { max: MAX_COMMAND_WORDS })

/** The program and its arguments: a program first, and no NUL anywhere (exec cannot pass one). */
const argv: Schema<string[]> = {
  parse: (v, path) => {
    const list = words.parse(v, path)
    if (list.length === 0 || list[0] === '') throw new ValidationError(`${path}: give the program to run first, as in ["curl", "-s", "http://example.com"]`)
    const nul = list.findIndex((w) => w.includes('\0'))
    if (nul >= 0) throw new ValidationError(`${path}[${nul}]: a NUL character cannot be passed to a program`)
    return list
  }
}

export const interceptCommandArgs = obj({
  argv,
  /** The folder it runs in (default: the engine's own working folder). */
  cwd: optional(str({ nonEmpty: true, max: 4096 })),
  /** Terminate TLS to every destination with tcpscope's CA (the program is told to trust it); default off. */
  interceptTls: optional(bool())
})
export const interceptCommandRef = obj({ commandId: str({ nonEmpty: true, max: 64 }) })

// Asking the person at the terminal a yes/no question before something that cannot be
// undone. Only a terminal is asked: a script's stdin is data, not an answer.

import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'

export interface Terminal {
  input: Readable & { isTTY?: boolean }
  /** Where the question goes: stderr, so that stdout stays the command's output. */
  output: Writable
}

export const processTerminal = (): Terminal => ({ input: process.stdin, output: process.stderr })

/** Whether there is a person to ask. */
export const canAsk = (t: Terminal): boolean => t.input.isTTY === true

/** `question [y/N] `: true only for y or yes; the end of input, or anything else, is no. */
export async function askYesNo(t: Terminal, question: string): Promise<boolean> {
  const rl = createInterface({ input: t.input, output: t.output, terminal: false })
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''))
      rl.question(`${question} [y/N] `, resolve)
    })
    return /^\s*y(es)?\s*$/i.test(answer)
  } finally {
    rl.close()
  }
}

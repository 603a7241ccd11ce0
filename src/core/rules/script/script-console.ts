// A script's console output, as lines for the host's report: what a person prints while
// writing hooks shows where the script's errors show, and no line grows without bound.

import type { Readable } from 'node:stream'

/** Past this, a line without its end is passed on as it is, and the rest starts a new one. */
const MAX_LINE = 16 * 1024

export function forwardLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split(/\r?\n/)
    partial = lines.pop() ?? ''
    while (partial.length > MAX_LINE) {
      lines.push(partial.slice(0, MAX_LINE))
      partial = partial.slice(MAX_LINE)
    }
    for (const line of lines) onLine(line)
  })
  stream.on('end', () => {
    if (partial) onLine(partial)
    partial = ''
  })
  stream.on('error', () => undefined)
}

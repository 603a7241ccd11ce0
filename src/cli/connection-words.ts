// How a connection's end and who changed it read on a terminal, in the filter's words: `ls`'s
// CHANGED and END columns and the proxy's close lines say them the same way.

import { rstSides, type ChangedBy, type ConnectionEnd, type RstSides, type TcpscopeReset } from '../shared/capture-types'

/**
 * Who changed what a receiver got, in the filter's words (changed:breakpoint, changed:rule,
 * changed:reset:toxic): the connection list's marks; `-` for nothing changed.
 */
export function changedWord(changed: ChangedBy | undefined): string {
  if (changed === undefined) return '-'
  const words: string[] = []
  if (changed.breakpoint) words.push('breakpoint')
  if (changed.rule) words.push('rule')
  if (changed.reset !== undefined) words.push(`reset:${changed.reset.by}`)
  return words.join(',')
}

const RST_TO: Record<RstSides, string> = { both: 'client and server', client: 'client', server: 'server', none: 'neither side' }

/** The sides tcpscope sent an RST, in ls's column words: `RST to client and server`. */
export function rstWords(reset: TcpscopeReset): string {
  return `RST to ${RST_TO[rstSides(reset)]}`
}

/** How a connection ended, with its error's code and, for a reset tcpscope made, the sides it reset: `tcpscope-reset (RST to client)`. */
export function endWord(end: ConnectionEnd, errorCode: string | undefined, reset: TcpscopeReset | undefined): string {
  const notes: string[] = []
  if (end === 'tcpscope-reset' && reset !== undefined) notes.push(rstWords(reset))
  if (errorCode !== undefined && end !== 'closed') notes.push(errorCode)
  return notes.length === 0 ? end : `${end} (${notes.join('; ')})`
}

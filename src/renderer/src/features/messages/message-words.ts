// A message's error and summary in the UI's language (ui/engine-words.ts). A message in error
// begins its summary with its error (`does not parse as blob_msg: EOFError: … — blob_msg
// msg_type=1`, or the error alone for bytes that are no message): that part is said as the
// error is, and what the codec read after it stays as it read it.

import type { StreamMessage } from '../../../../shared/message-types'

type Said = (message: string) => string

/** `m`'s summary, its leading error said as `said` says errors. */
export function summaryWords(m: Pick<StreamMessage, 'summary' | 'error'>, said: Said): string {
  if (m.error === undefined || m.error === '' || !m.summary.startsWith(m.error)) return m.summary
  return said(m.error) + m.summary.slice(m.error.length)
}

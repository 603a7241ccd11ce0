// msg.page's filter: the shared message words (shared/message-filter.ts) over the index.
// `dir:` and `cmd:` read the index alone; `text:` (and a bare word) needs the message
// described, so it is tested on the summary and field values the page builds anyway.

import { parseMessageFilter as parseWords } from '../../../shared/message-filter'
import type { StreamMessage } from '../../../shared/message-types'
import type { MessageIndex } from './message-index'

export interface MessageFilter {
  /** Tests what the index knows. */
  indexTest: (index: MessageIndex, i: number) => boolean
  /** Tests a described message (summary and fields); undefined when no `text:` word was given. */
  textTest?: (m: StreamMessage) => boolean
}

export function parseMessageFilter(text: string | undefined): MessageFilter | undefined {
  const words = parseWords(text)
  if (!words) return undefined
  return { indexTest: (x, i) => words.factTest(x.dir(i), x.command(i)), ...(words.textTest ? { textTest: words.textTest } : {}) }
}

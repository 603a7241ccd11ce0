// msg.page's filter: words that must all match a message (MESSAGE_WORDS). `dir:` and `cmd:`
// read the index alone; `text:` (and a bare word) needs the message described, so it is
// tested on the summary and field values the page builds anyway.

import { UserError } from '../../../shared/errors'
import type { MessageField, StreamMessage } from '../../../shared/message-types'
import type { MessageIndex } from './message-index'

export interface MessageFilter {
  /** Tests what the index knows; undefined when no word needs more. */
  indexTest: (index: MessageIndex, i: number) => boolean
  /** Tests a described message (summary and fields); undefined when no `text:` word was given. */
  textTest?: (m: StreamMessage) => boolean
}

const HINT = 'use dir:client|server, cmd:NAME (a command, packet or function: SET, Query, PUBLISH, fn:3), text:WORDS, a leading - to negate'

function fieldText(fields: MessageField[] | undefined, out: string[]): void {
  for (const f of fields ?? []) {
    out.push(f.name, f.value)
    fieldText(f.children, out)
  }
}

export function parseMessageFilter(text: string | undefined): MessageFilter | undefined {
  const words = (text ?? '').match(/(?:[^\s"]+|"[^"]*")+/g) ?? []
  if (words.length === 0) return undefined
  const index: Array<(x: MessageIndex, i: number) => boolean> = []
  const texts: Array<(m: StreamMessage) => boolean> = []
  for (const raw of words) {
    const negate = raw.startsWith('-') && raw.length > 1
    const w = negate ? raw.slice(1) : raw
    const colon = w.indexOf(':')
    const key = colon > 0 ? w.slice(0, colon).toLowerCase() : 'text'
    const value = (colon > 0 ? w.slice(colon + 1) : w).replace(/"/g, '')
    const not = <T>(f: (a: T, b: number) => boolean) => (negate ? (a: T, b: number) => !f(a, b) : f)
    switch (key) {
      case 'dir': {
        const d = value.toLowerCase()
        const dir = d === 'client' || d === 'c' || d === 'request' ? 'client' : d === 'server' || d === 's' || d === 'response' ? 'server' : undefined
        if (!dir) throw new UserError(`filter dir:${value}: say dir:client or dir:server`)
        index.push(not((x: MessageIndex, i: number) => x.dir(i) === dir))
        break
      }
      case 'cmd':
      case 'fn': {
        const want = (key === 'fn' ? `fn ${value}` : value).toLowerCase()
        if (want === '') throw new UserError(`filter ${key}: needs a name; ${HINT}`)
        index.push(not((x: MessageIndex, i: number) => {
          const c = x.command(i)?.toLowerCase()
          return c !== undefined && (c === want || c.startsWith(`${want} `))
        }))
        break
      }
      case 'text': {
        const want = value.toLowerCase()
        texts.push((m) => {
          const hay = [m.summary]
          fieldText(m.fields, hay)
          const found = hay.some((h) => h.toLowerCase().includes(want))
          return negate ? !found : found
        })
        break
      }
      default:
        throw new UserError(`filter ${w}: ${key}: is no message word; ${HINT}`)
    }
  }
  return {
    indexTest: (x, i) => index.every((t) => t(x, i)),
    ...(texts.length ? { textTest: (m: StreamMessage) => texts.every((t) => t(m)) } : {})
  }
}

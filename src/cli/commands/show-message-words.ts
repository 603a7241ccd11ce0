// `show --filter` picks exchanges (the Exchanges list's words). A message filter's words
// (`field:`, `dir:`, `cmd:`, ...) pick messages, in the app's Messages tab and in message
// breakpoints only: said as such, with what the CLI has instead, rather than "unknown word".

import { UserError } from '../../shared/errors'
import { MESSAGE_KEYS } from '../../shared/message-filter'

/** A UserError in one line when `filter` holds a message filter's word. */
export function refuseMessageWords(filter: string): void {
  // `fn:443` is a host and its port (a bare word), not a message word: a message word's value is never a port alone.
  const word = filter.split(/\s+/).find((w) => {
    const bare = w.replace(/^-/, '').toLowerCase()
    return MESSAGE_KEYS.some((k) => bare.startsWith(`${k}:`) && !/^\d+$/.test(bare.slice(k.length + 1)))
  })
  if (word === undefined) return
  const key = word.replace(/^-/, '').split(':')[0].toLowerCase()
  throw new UserError(
    `show: --filter picks HTTP exchanges; "${key}:" picks messages, in the app's Messages tab and in message breakpoints (--break 'message=${key}:…'): here, show --frame SPEC --json prints each message's "fields" (select with jq)`
  )
}

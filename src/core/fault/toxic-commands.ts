// The toxic.* commands: each proxy's toxics listed, added, changed and removed, live (a
// change reaches the proxy's open connections too). The errors are Toxiproxy's cases in one
// line each: no such proxy or toxic (ENOENT), a name already taken (EEXIST), an attribute the
// type does not have (EINVAL).

import type { CommandTable } from '../command-table'
import type { ToxicRegistry } from './toxic-registry'

export type ToxicCommand = 'toxic.list' | 'toxic.add' | 'toxic.update' | 'toxic.remove'

/** `toxicsOf(proxyId)` throws a one-line UserError for a proxy that does not exist. */
export function toxicCommands(toxicsOf: (proxyId: string) => ToxicRegistry): CommandTable<ToxicCommand> {
  return {
    'toxic.list': async ({ proxyId }) => toxicsOf(proxyId).list(),
    'toxic.add': async ({ proxyId, toxic }) => toxicsOf(proxyId).add(toxic),
    'toxic.update': async ({ proxyId, name, ...change }) => toxicsOf(proxyId).update(name, change),
    'toxic.remove': async ({ proxyId, name }) => toxicsOf(proxyId).remove(name)
  }
}

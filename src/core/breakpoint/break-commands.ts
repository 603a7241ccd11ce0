// The break.* and held.* commands: each proxy's breakpoints listed, added, changed and
// removed live, and the engine's Held queue read and decided on.

import type { CommandTable } from '../command-table'
import type { BreakRegistry } from './break-registry'
import type { HeldQueue } from './held-queue'
import { fitContentLength } from './content-length'
import { fitH2ContentLength } from './h2/h2-text-form'

export type BreakCommand =
  | 'break.list'
  | 'break.add'
  | 'break.update'
  | 'break.remove'
  | 'held.list'
  | 'held.read'
  | 'held.keep'
  | 'held.forward'
  | 'held.drop'
  | 'held.close'
  | 'held.forwardAll'

export interface BreakCommandDeps {
  /** Throws a one-line UserError for a proxy that does not exist. */
  breaksOf(proxyId: string): BreakRegistry
  breaksIfAny(proxyId: string): BreakRegistry | undefined
  held: HeldQueue
}

export function breakCommands({ breaksOf, breaksIfAny, held }: BreakCommandDeps): CommandTable<BreakCommand> {
  return {
    'break.list': async ({ proxyId }) => breaksOf(proxyId).list(),
    'break.add': async ({ proxyId, rule }) => breaksOf(proxyId).add(rule),
    'break.update': async ({ proxyId, id, ...change }) => breaksOf(proxyId).update(id, change),
    'break.remove': async ({ proxyId, id }) => {
      const registry = breaksOf(proxyId)
      registry.entry(id)
      // What it holds goes on unchanged: a rule removed is a rule that no longer stops anything.
      held.forwardAll({ proxyId, ruleId: id }, breaksIfAny)
      registry.remove(id)
    },
    'held.list': async () => held.list(),
    'held.read': async ({ heldId }) => held.read(heldId),
    'held.keep': async ({ heldId }) => held.keep(heldId),
    'held.forward': async ({ heldId, bytes, fixLength }) => {
      if (bytes === undefined) return held.forward(heldId)
      const message = held.list().find((m) => m.id === heldId)
      const edited = Buffer.from(bytes)
      if (message === undefined || message.kind === 'chunk' || fixLength === false) return held.forward(heldId, edited)
      if (message.kind === 'message') return held.forward(heldId, held.refit(heldId, edited))
      return held.forward(heldId, message.stream !== undefined ? fitH2ContentLength(edited) : fitContentLength(edited))
    },
    'held.drop': async ({ heldId }) => held.drop(heldId),
    'held.close': async ({ heldId, how }) => held.close(heldId, how),
    'held.forwardAll': async (args) => ({ forwarded: held.forwardAll(args, breaksIfAny) })
  }
}

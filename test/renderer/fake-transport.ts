// A transport for store and component tests: events the test pushes, and commands answered
// by the handlers it gives (others reject, as an engine would refuse them).
import type { CallContext, CommandArgs, CommandName, CommandResult } from '../../src/shared/contract'
import { EngineError } from '../../src/shared/errors'
import type { FrontEvent } from '../../src/shared/events'
import type { Transport } from '../../src/shared/transport'

export type Handlers = { [K in CommandName]?: (args: CommandArgs<K>, ctx: CallContext) => CommandResult<K> | Promise<CommandResult<K>> }

export function fakeTransport(handlers: Handlers = {}) {
  const listeners = new Set<(event: FrontEvent) => void>()
  const closers = new Set<(reason: string) => void>()
  const calls: Array<{ cmd: CommandName; args: unknown }> = []
  const transport: Transport = {
    async call(cmd, ...[args, opts]) {
      calls.push({ cmd, args })
      const h = handlers[cmd] as ((a: unknown, ctx: CallContext) => unknown) | undefined
      if (!h) throw new EngineError('EINVAL', `${cmd} not faked`)
      return (await h(args, opts ?? {})) as never
    },
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onClose(listener) {
      closers.add(listener)
      return () => closers.delete(listener)
    }
  }
  return {
    transport,
    calls,
    listeners,
    emit: (event: FrontEvent) => listeners.forEach((l) => l(event)),
    close: (reason: string) => closers.forEach((l) => l(reason))
  }
}

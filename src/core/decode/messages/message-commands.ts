// The messages part of the engine's command table: a raw connection's messages, and the
// framing chosen for it ("decode as").

import type { CommandTable } from '../../command-table'
import type { Captures } from '../../capture/open-captures'
import type { Messages } from './messages'

export type MessageCommand = 'msg.page' | 'msg.delivered' | 'msg.changes' | 'frame.set'

export function messageCommands(captures: Pick<Captures, 'get'>, messages: Messages): CommandTable<MessageCommand> {
  return {
    'msg.page': async (args, ctx) => messages.page(captures.get(args.capture), args, ctx?.signal),
    'msg.delivered': async (args) => messages.delivered(captures.get(args.capture), args),
    'msg.changes': async (args) => messages.changes(captures.get(args.capture), args),
    'frame.set': async (args) => messages.choose(captures.get(args.capture), args.connId, args.frame, args.owner === true)
  }
}

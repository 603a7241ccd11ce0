// The gRPC part of the engine's command table: one side of a call's messages, decoded, and
// the .proto files that name their fields (engine-wide, as a setting is: a front end loads
// them once, by `--proto FILE` or the UI's setting, and every read after uses them).

import type { CommandTable } from '../../command-table'
import type { Captures } from '../../capture/open-captures'
import { UserError } from '../../../shared/errors'
import type { Decoding } from '../decoding'
import { readGrpcMessages } from './grpc-messages'
import type { ProtoSchemas } from './proto-schemas'

export type GrpcCommand = 'grpc.messages' | 'grpc.protos.load' | 'grpc.protos'

/** A page's default length. */
const DEFAULT_PAGE = 50

export function grpcCommands(captures: Pick<Captures, 'get'>, decoding: Decoding, schemas: ProtoSchemas): CommandTable<GrpcCommand> {
  return {
    'grpc.messages': async (args, ctx) => {
      const view = captures.get(args.capture)
      const page = await decoding.exchanges(view, args.connId, args.exchange, 1)
      const ex = page.exchanges[0]
      if (!ex) throw new UserError(`connection #${args.connId} has no exchange ${args.exchange} (it has ${page.total})`)
      const q = { part: args.part, from: args.from ?? 0, limit: args.limit ?? DEFAULT_PAGE, ...(args.maxMessage !== undefined ? { maxMessage: args.maxMessage } : {}) }
      return readGrpcMessages(view, args.connId, ex, q, schemas, ctx?.signal)
    },
    'grpc.protos.load': async (args) => schemas.load(args.paths),
    'grpc.protos': async () => schemas.current()
  }
}

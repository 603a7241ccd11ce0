// The argument schemas of the gRPC commands (contract.ts lists them): one side of a call's
// messages, and the .proto files its fields are named by.

import { arr, int, obj, oneOf, optional } from './schema'
import { captureId, connId, hostPath } from './arg-ids'
import { GRPC_MAX_PAGE } from './grpc-types'

/** The largest message limit that may be asked (gRPC's own default is 4 MiB). */
export const MAX_GRPC_MESSAGE_LIMIT = 64 * 1024 * 1024

export const grpcMessagesArgs = obj({
  capture: captureId,
  connId,
  /** The exchange's index on the connection (ExchangePage). */
  exchange: int({ min: 0 }),
  part: oneOf(['request', 'response'] as const),
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: GRPC_MAX_PAGE })),
  /** Declared message lengths above this are a framing problem (default: gRPC's 4 MiB). */
  maxMessage: optional(int({ min: 1, max: MAX_GRPC_MESSAGE_LIMIT }))
})

export const grpcProtosLoadArgs = obj({
  /** .proto files on the engine's host (their imports are found beside them); none unloads. */
  paths: arr(hostPath, { max: 100 })
})

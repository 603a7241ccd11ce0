// The argument schemas of the commands on ad-hoc sessions and their connections
// (contract.ts lists the commands); starting a server or a client takes the schemas of
// session-types.ts.

import { bool, int, obj, optional, str } from './schema'
import { payloadSpec } from './payload/payload-spec'
import { serverBehaviour } from './session-types'
import { connId } from './arg-ids'
import { MAX_CONN_ID, MAX_INTERVAL_MS } from './limits'

const sessionId = str({ nonEmpty: true, max: 64 })
export const connRef = obj({ connId })
export const serverStopArgs = obj({ serverId: sessionId, closeClients: optional(bool()) })
export const serverRef = obj({ serverId: sessionId })
export const serverIntervalArgs = obj({
  serverId: sessionId,
  /** Omit to stop it. */
  everyMs: optional(int({ min: 1, max: MAX_INTERVAL_MS })),
  count: optional(int({ min: 1, max: MAX_CONN_ID })),
  payload: optional(payloadSpec)
})
export const behaviourArgs = obj({ serverId: sessionId, behaviour: serverBehaviour })
export const broadcastArgs = obj({ serverId: sessionId, payload: payloadSpec })
export const clientRef = obj({ clientId: sessionId })
export const payloadPreviewArgs = obj({ payload: payloadSpec })
export const sendArgs = obj({ connId, payload: payloadSpec })
export const intervalArgs = obj({
  connId,
  /** Omit to stop the connection's interval send. */
  everyMs: optional(int({ min: 1, max: MAX_INTERVAL_MS })),
  count: optional(int({ min: 1, max: MAX_CONN_ID })),
  payload: optional(payloadSpec)
})

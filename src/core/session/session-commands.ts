// The session part of the engine's command table: ad-hoc servers and clients (server.*,
// client.*, session.list), the payloads they send (payload.preview), and the commands on
// one of their live connections (conn.send, conn.end, ...).

import type { CommandTable } from '../command-table'
import { buildPayload } from '../payload/build-payload'
import type { Sessions } from './sessions'

export type SessionCommand =
  | 'server.start'
  | 'server.stop'
  | 'server.restart'
  | 'server.interval'
  | 'server.behaviour'
  | 'server.broadcast'
  | 'client.connect'
  | 'client.reconnect'
  | 'client.close'
  | 'session.list'
  | 'payload.preview'
  | 'conn.send'
  | 'conn.end'
  | 'conn.reset'
  | 'conn.destroy'
  | 'conn.resume'
  | 'conn.interval'
  | 'conn.expect'
  | 'conn.sequence'

/** `checkOpen` throws when the engine is shutting down: nothing new starts then. */
export function sessionCommands(sessions: Sessions, checkOpen: () => void): CommandTable<SessionCommand> {
  const starting =
    <A, R>(start: (args: A) => Promise<R>) =>
    async (args: A): Promise<R> => {
      checkOpen()
      return start(args)
    }
  return {
    'server.start': starting((args) => sessions.startServer(args)),
    'server.stop': (args) => sessions.stopServer(args),
    'server.restart': starting((args) => sessions.restartServer(args)),
    'server.interval': (args) => sessions.serverInterval(args),
    'server.behaviour': (args) => sessions.setBehaviour(args),
    'server.broadcast': (args) => sessions.broadcast(args),
    'client.connect': starting((args) => sessions.connectClient(args)),
    'client.reconnect': starting((args) => sessions.reconnect(args)),
    'client.close': (args) => sessions.closeClient(args),
    'session.list': async () => sessions.list(),
    'payload.preview': (args) => buildPayload(args.payload),
    'conn.send': (args) => sessions.send(args),
    'conn.end': async (args) => sessions.conn(args.connId).endOutput(),
    'conn.reset': async (args) => sessions.conn(args.connId).reset(),
    'conn.destroy': async (args) => sessions.conn(args.connId).close(),
    'conn.resume': async (args) => sessions.conn(args.connId).resume(),
    'conn.interval': (args) => sessions.interval(args),
    'conn.expect': (args, ctx) => sessions.expect(args, ctx?.signal),
    'conn.sequence': (args, ctx) => sessions.sequence(args, ctx?.signal)
  }
}

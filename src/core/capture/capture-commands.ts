// The captures part of the engine's command table: the open captures (capture.list, info,
// open, close) and the reads of their connections (conn.page, get, read, events, turns,
// activity, locate, search, matches), the same for the live capture and a file.

import type { CaptureInfo, ConnectionSummary } from '../../shared/capture-types'
import type { CommandTable } from '../command-table'
import type { Captures } from './open-captures'
import type { CaptureView } from './query/capture-queries'
import type { ProtocolFacts } from './query/connection-query'

export type CaptureCommand =
  | 'capture.list'
  | 'capture.info'
  | 'capture.open'
  | 'capture.close'
  | 'conn.page'
  | 'conn.get'
  | 'conn.read'
  | 'conn.events'
  | 'conn.turns'
  | 'conn.activity'
  | 'conn.locate'
  | 'conn.search'
  | 'conn.matches'

/** What decoding found in each capture, as the connection list shows it (the engine's Decoding). */
export interface CaptureProtocols {
  /** What the list's protocol words ask of a capture. */
  facts(view: CaptureView): ProtocolFacts
  /** Sets each row's `protocol` from what is decoded so far. */
  annotate(view: CaptureView, rows: ConnectionSummary[]): Promise<ConnectionSummary[]>
  /** Moves whenever what the list shows of a capture's decoding does; undefined before decoding started. */
  version(captureId: string): number | undefined
  /** The capture closed: its decoding goes. */
  forget(captureId: string): void
}

export interface CaptureCommandDeps {
  captures: Captures
  protocols: CaptureProtocols
  /** A capture file was closed: what the engine kept for it goes too (an uploaded copy). */
  closed(path: string): Promise<void>
}

/** Every open capture as it is now, the live one first, each with how far its decoding got. */
export function listCaptures({ captures, protocols }: Pick<CaptureCommandDeps, 'captures' | 'protocols'>): CaptureInfo[] {
  return captures.list().map((c) => {
    const decoded = protocols.version(c.id)
    return decoded === undefined ? c : { ...c, decoded }
  })
}

/** A row without its upstream addresses: a copy, since the view may hold the row it gave. */
function withoutUpstream(row: ConnectionSummary): ConnectionSummary {
  if (row.upstream === undefined) return row
  const { upstream: _upstream, ...rest } = row
  return rest
}

export function captureCommands(deps: CaptureCommandDeps): CommandTable<CaptureCommand> {
  const { captures, protocols } = deps
  return {
    'capture.list': async () => listCaptures(deps),
    'capture.info': async (args) => captures.info(args.capture),
    'capture.open': (args, ctx) => captures.open(args.path, ctx?.signal),
    'capture.close': async (args) => {
      const { path } = captures.get(args.capture).info()
      protocols.forget(args.capture)
      await captures.close(args.capture)
      await deps.closed(path)
    },
    'conn.page': async (args, ctx) => {
      const view = captures.get(args.capture)
      const page = args.protocols === false ? await view.page(args, ctx?.signal) : await view.page(args, ctx?.signal, protocols.facts(view))
      if (args.protocols !== false) await protocols.annotate(view, page.rows)
      if (args.upstream === false) page.rows = page.rows.map(withoutUpstream)
      return page
    },
    'conn.get': async (args) => {
      const view = captures.get(args.capture)
      const found = (await Promise.all(args.ids.map((id) => view.connection(id)))).filter((c): c is ConnectionSummary => c !== undefined)
      return args.protocols === false ? found : protocols.annotate(view, found)
    },
    'conn.read': async (args) => captures.get(args.capture).readBytes(args.connId, args.dir, args.offset, args.length),
    'conn.events': async (args) => captures.get(args.capture).eventPage(args.connId, args.from, args.limit),
    'conn.turns': async (args) => captures.get(args.capture).turns(args.connId, args.from, args.limit),
    'conn.activity': async (args) => captures.get(args.capture).activity(args.ids, args),
    'conn.locate': async (args) => ({ index: await captures.get(args.capture).locate(args.connId, args.dir, args.offset) }),
    'conn.search': async (args, ctx) => captures.get(args.capture).search(args.connId, args.dir, args.pattern, { from: args.from, backward: args.backward, signal: ctx?.signal }),
    'conn.matches': async (args, ctx) => captures.get(args.capture).matches(args.connId, args.dir, args.pattern, ctx?.signal)
  }
}

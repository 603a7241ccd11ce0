// A connection's rule records as the delivered readers read them (delivered.ts, and through
// it the HAR and curl exports, the views and replay): each `rule` record (or a breakpoint's
// edit, read as a rewrite) grouped by the place of the message it acted on, and what it
// delivered read only when asked, so that opening a connection costs no read of every record.

import type { Direction } from '../../shared/capture-types'
import type { RuleEventInfo } from '../../shared/rules/rule-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { actBytes, actsByPlace, keptBytes, type StreamAct } from '../decode/delivered-acts'

/** One `rule` record (or a breakpoint's edit, read as a rewrite): what it says, when, and on whose bytes; what it delivered read when asked. */
export interface RuleAct {
  info: Omit<RuleEventInfo, 'delivered'>
  dir: Direction
  time: number
  /** A breakpoint's edit (its `break` record), and how an HTTP/2 one kept its bytes (delivered-acts.ts). */
  by?: 'break'
  form?: 'h2-text'
  /** What it delivered, when the record kept it. */
  bytes(): Promise<Buffer | undefined>
}

/** A connection's rule records by the message each acted on: `client:OFFSET` or `server:OFFSET` (placeKey), in the order written. */
export interface RuleActs {
  get(key: string): RuleAct[] | undefined
  readonly size: number
  values(): Iterable<RuleAct[]>
}

/**
 * The connection's rule records, as the delivered views read them (decode/delivered-acts.ts:
 * read once, kept, grown, grouped by place once): each place's read as asked for, so that
 * opening a connection per exchange costs no walk of every record.
 */
export async function ruleActs(view: CaptureView, connId: number): Promise<RuleActs> {
  const places = await actsByPlace(view, connId)
  const asRule = (a: StreamAct): RuleAct => ({
    info: a.info,
    dir: a.dir,
    time: a.time,
    ...(a.by !== undefined ? { by: a.by } : {}),
    ...(a.form !== undefined ? { form: a.form } : {}),
    bytes: () => (keptBytes(a.info) ? actBytes(view, connId, a) : Promise.resolve(undefined))
  })
  return {
    get: (key) => places.get(key)?.map(asRule),
    get size() {
      return places.size
    },
    *values() {
      for (const list of places.values()) yield list.map(asRule)
    }
  }
}

// A connection's turns, for the flow diagram: the data one side sent before the other
// spoke (consecutive chunks of one direction merged), and the marks between them (FIN,
// reset, failed connect, error, close). Records that change nothing in the picture (open,
// lookup, connecting, connected, timeout) are left out and do not split a turn.
//
// The index says which records are data, and of which direction, without reading the file;
// only the other records' headers are read, to tell marks from the rest. The turn list of
// a connection is built once, grown as a live connection records more, and kept for a few
// connections; a page then reads the headers of its own turns only (their times).

import type { TurnKind, TurnPage } from '../../../shared/capture-types'
import type { CaptureReader } from '../read/capture-reader'
import { RecordType, dirName, type RecordHeader } from '../format/capture-format'
import type { IndexView } from '../read/index-view'

const MARKS: Partial<Record<number, TurnKind>> = {
  [RecordType.Fin]: 'fin',
  [RecordType.Reset]: 'reset',
  [RecordType.ConnectFailed]: 'connect-failed',
  [RecordType.Error]: 'error',
  [RecordType.Close]: 'close',
  [RecordType.Gap]: 'gap'
}
/** Marks whose recorded details (code, message, end) a turn carries. */
const WITH_INFO = new Set<TurnKind>(['connect-failed', 'error', 'close', 'gap'])
/** A turn's kind as kept: data of either direction, or the record type of a mark. */
const DATA_CLIENT = -1
const DATA_SERVER = -2
/** Connections whose turn lists are kept; the least recently paged goes first. */
const KEPT = 16

/**
 * The turns of one connection, in columns (a turn is four numbers: about as much again as
 * the index keeps for its records, at worst, when every chunk is a turn).
 */
class TurnList {
  /** The record index of each turn's first record. */
  readonly starts: number[] = []
  /** The record index of its last data record (a mark: itself). */
  readonly lasts: number[] = []
  readonly kinds: number[] = []
  readonly chunks: number[] = []
  /** Records looked at so far. */
  cover = 0

  push(start: number, kind: number, chunks: number): void {
    this.starts.push(start)
    this.lasts.push(start)
    this.kinds.push(kind)
    this.chunks.push(chunks)
  }
}

export class ConnectionTurns {
  private readonly lists = new Map<number, TurnList>()
  /** The growth in progress of a row's list: one at a time, so two pages never grow it twice. */
  private readonly growing = new Map<number, Promise<TurnList>>()

  constructor(
    private readonly index: IndexView,
    private readonly reader: CaptureReader
  ) {}

  /** Turns `from`..`from + limit` of the connection at `row` (loaded), with how many it has. */
  async page(row: number, from: number, limit: number): Promise<TurnPage> {
    const list = await this.listOf(row)
    const total = list.starts.length
    const end = Math.min(total, from + limit)
    if (from >= end) return { from, total, turns: [] }
    const at = (i: number): number => this.index.recordOffset(row, i)
    const wanted = [at(0)]
    for (let k = Math.max(0, from - 1); k < end; k++) wanted.push(at(list.starts[k]), at(list.lasts[k]))
    const headers = await this.reader.readHeaders(wanted)
    const header = (i: number): RecordHeader => headers.get(at(i))!
    const openMono = header(0).mono
    const connId = this.index.fields.id(row)

    const turns = await Promise.all(
      Array.from({ length: end - from }, async (_, j) => {
        const k = from + j
        const first = header(list.starts[k])
        const code = list.kinds[k]
        const kind: TurnKind = code === DATA_CLIENT || code === DATA_SERVER ? 'data' : MARKS[code]!
        const turn: TurnPage['turns'][number] = { kind, event: list.starts[k], time: first.time, at: first.mono - openMono }
        if (k > 0) turn.gap = first.mono - header(list.lasts[k - 1]).mono
        if (kind === 'data') {
          const last = header(list.lasts[k])
          turn.dir = code === DATA_CLIENT ? 'client' : 'server'
          turn.offset = this.index.streamOffset(row, list.starts[k])
          turn.length = this.index.streamOffset(row, list.lasts[k]) + last.length - turn.offset
          turn.chunks = list.chunks[k]
          turn.duration = last.mono - first.mono
        } else {
          const dir = dirName(first.dir)
          if (dir) turn.dir = dir
          if (WITH_INFO.has(kind)) {
            const [event] = await this.reader.readEvents(connId, list.starts[k], 1)
            if (event?.info) turn.info = event.info
          }
        }
        return turn
      })
    )
    return { from, total, turns }
  }

  private listOf(row: number): Promise<TurnList> {
    const running = this.growing.get(row)
    if (running) return running
    const grown = this.grow(row).finally(() => this.growing.delete(row))
    this.growing.set(row, grown)
    return grown
  }

  /** The row's list, grown over the records it has not looked at yet. */
  private async grow(row: number): Promise<TurnList> {
    let list = this.lists.get(row)
    const n = this.index.recordCount(row)
    // A live capture whose writer failed forgets records it had indexed: start over.
    if (list === undefined || n < list.cover) list = new TurnList()
    this.lists.delete(row)
    this.lists.set(row, list)
    while (this.lists.size > KEPT) this.lists.delete(this.lists.keys().next().value!)

    const others: number[] = []
    for (let i = list.cover; i < n; i++) if (this.index.recordDirection(row, i) === undefined) others.push(this.index.recordOffset(row, i))
    const headers = others.length > 0 ? await this.reader.readHeaders(others) : new Map<number, RecordHeader>()
    for (let i = list.cover; i < n; i++) {
      const dir = this.index.recordDirection(row, i)
      const last = list.kinds.length - 1
      if (dir !== undefined) {
        const code = dir === 'client' ? DATA_CLIENT : DATA_SERVER
        if (last >= 0 && list.kinds[last] === code) {
          list.lasts[last] = i
          list.chunks[last]++
        } else list.push(i, code, 1)
      } else {
        const type = headers.get(this.index.recordOffset(row, i))!.type
        if (MARKS[type] !== undefined) list.push(i, type, 0)
      }
    }
    list.cover = n
    return list
  }
}

// What a capture's index answers, whether it lives in memory (built while recording, or
// by scanning a file) or is read from the index stored at the end of a closed file.
// Reading from the file is lazy, so the async load methods come first: after `loadRow`,
// the accessors of that row answer; after `loadAll`, every row's summary does.

import type { ChangedBy, ConnectionEnd, ConnectionKind, ConnectionSummary, Direction } from '../../../shared/capture-types'
import type { TlsSummary, Via } from '../../../shared/tls-types'
import type { ChunkIndex } from '../format/chunk-index'
import type { OwnerRecord } from '../format/record-payloads'

export interface IndexView {
  /** Connections in the index. */
  readonly size: number
  /** The row of a connection id, or undefined when the capture has no such connection. */
  locate(connId: number): Promise<number | undefined>
  loadRow(row: number): Promise<void>
  /**
   * The row of a connection whose row is loaded already (located and loadRow'd), at once;
   * undefined otherwise (then locate and loadRow). Decoding a file asks for each connection's
   * row several times, and the chain of awaits behind locate and loadRow was a fifth of what
   * the engine's thread allocated for 100,000 one-exchange connections.
   */
  loadedRow(connId: number): number | undefined
  loadAll(): Promise<void>
  /**
   * Every row loaded as loadRow loads one, record lists too, before a file's decoding asks for
   * each: 100,000 one-exchange connections each found and loaded its row through a chain of
   * awaits, 200 of the 1,553 MB the engine's thread allocated decoding them. A stored index
   * whose record lists are larger than PRELOAD_MAX leaves its rows to be loaded as asked for.
   */
  loadForDecoding(): Promise<void>
  /** After loadAll: what plain filter words are looked for in is made ahead of the first, in the background (a stored index's endpoints). */
  prepareWords?(): void
  /** Its file is closed: work made ahead of need stops, and what it made is let go. */
  release?(): void

  summary(row: number): ConnectionSummary
  /** The fields of a summary one at a time, for going over every row without building any. */
  fields: RowFields
  /** Bytes `dir` sent (forwarded), and how many of them are recorded in the file. */
  bytes(row: number, dir: Direction): number
  recordedBytes(row: number, dir: Direction): number
  recordCount(row: number): number
  recordOffset(row: number, i: number): number
  /** For data record `i`, where its chunk starts in its direction's stream; else -1. */
  streamOffset(row: number, i: number): number
  /** For data record `i`, the direction it belongs to; undefined for other records. */
  recordDirection(row: number, i: number): Direction | undefined
  /** Where data record `i`'s chunk ends in `dir`'s stream (the next data or gap record's start); undefined for the last of `dir`. */
  chunkEnd(row: number, i: number, dir: Direction): number | undefined
  /** The data chunks of `dir` (payload file offset, stream offset), for byte-range reads. */
  chunks(row: number, dir: Direction): ChunkIndex
  /** The proxies and sessions that owned connections (their owner records): where they listened. */
  owners(): Promise<OwnerRecord[]>
}

export type PeerRole = 'client' | 'local' | 'remote'

/** One field of one row; after `loadAll` (or `loadRow` for that row). */
export interface RowFields {
  id(row: number): number
  kind(row: number): ConnectionKind
  end(row: number): ConnectionEnd
  fin(row: number, dir: Direction): boolean
  ownerId(row: number): string
  target(row: number): string
  openedAt(row: number): number
  /** NaN while open. */
  closedAt(row: number): number
  /** A peer as formatPeer writes it ('-' when there is none). */
  peerText(row: number, role: PeerRole): string
  /** A peer's address, or its Unix socket path; undefined for none. */
  peerAddress(row: number, role: PeerRole): string | undefined
  /** A peer's port; undefined for none, or for a Unix socket path. */
  peerPort(row: number, role: PeerRole): number | undefined
  /** The code of the error that ended it, if one did. */
  errorCode(row: number): string | undefined
  /** For a replay's connection, the id of the connection it replayed. */
  replayOfConn(row: number): number | undefined
  /** Its TLS, shared with the index: read it, never change it (summary() gives a copy). */
  tls(row: number): TlsSummary | undefined
  /** A forward proxy's tunnel: how it was asked for. */
  via(row: number): Via | undefined
  /** Who changed what its receivers got (a breakpoint's edit, a rule), if anyone did. */
  changed(row: number): ChangedBy | undefined
  /** Bytes of `dir` forwarded but not kept (gap records); 0 for none. */
  notKept(row: number, dir: Direction): number
  /** Bytes tcpscope answered the client with in the target's place (ConnectionSummary.answered); 0 for none. */
  answered(row: number): number
  /**
   * A plain filter word's endpoint test over every row at once (a stored index, which does
   * not change): 1 for each row whose target (lower case) or a peer (as peerText) holds
   * `word`, lower case. Undefined where it is not offered (a live index, whose rows change),
   * or not for this word: the rows are then tested one by one.
   */
  endpointRows?(word: string): Uint8Array | undefined
  /** A `client:` word's test over every row at once, as endpointRows (1 for each row whose client, as peerText, holds `word`); undefined until the index has it ready. */
  clientRows?(word: string): Uint8Array | undefined
}

// What few connections of a capture's index have, kept by row beside the columns every row
// fills (capture-index.ts): the error that ended it, what a replay replayed, its TLS, the
// bytes forwarded but not kept, and what tcpscope answered its client with.

import type { Direction, ErrorInfo, ReplaySource } from '../../../shared/capture-types'
import type { TlsEventInfo, TlsSummary } from '../../../shared/tls-types'
import { foldTls } from '../format/tls-payloads'

/** TLS summaries shared past this many start over: sharing saves memory, it is not needed to be right. */
const SHARED_TLS_MAX = 10_000

export class RowExtras {
  private readonly errors = new Map<number, ErrorInfo>()
  private readonly replays = new Map<number, ReplaySource>()
  /** Each row's TLS summary, shared and never changed (a summary gets a copy). */
  private readonly tlsRows = new Map<number, TlsSummary>()
  /**
   * TLS summaries by their JSON: a client's thousand connections to one upstream hold one
   * summary (its certificate chain included), not a thousand.
   */
  private readonly tlsShared = new Map<string, TlsSummary>()
  private readonly gaps = new Map<number, Record<Direction, number>>()
  private readonly answers = new Map<number, number>()

  setError(row: number, error: ErrorInfo): void {
    this.errors.set(row, error)
  }
  error(row: number): ErrorInfo | undefined {
    return this.errors.get(row)
  }

  setReplay(row: number, source: ReplaySource): void {
    this.replays.set(row, source)
  }
  replay(row: number): ReplaySource | undefined {
    return this.replays.get(row)
  }

  /** A `tls` record of the row, folded into its summary. */
  addTls(row: number, e: TlsEventInfo): void {
    const tls = foldTls(this.tlsRows.get(row), e)
    const key = JSON.stringify(tls)
    let shared = this.tlsShared.get(key)
    if (shared === undefined) {
      if (this.tlsShared.size >= SHARED_TLS_MAX) this.tlsShared.clear()
      this.tlsShared.set(key, (shared = tls))
    }
    this.tlsRows.set(row, shared)
  }
  tls(row: number): TlsSummary | undefined {
    return this.tlsRows.get(row)
  }

  /** `length` bytes of `dir` were forwarded but not kept. */
  drop(row: number, dir: Direction, length: number): void {
    let gaps = this.gaps.get(row)
    if (gaps === undefined) this.gaps.set(row, (gaps = { client: 0, server: 0 }))
    gaps[dir] += length
  }
  hasGaps(): boolean {
    return this.gaps.size > 0
  }
  /** Bytes of each direction not kept, when any were. */
  notKept(row: number): Readonly<Record<Direction, number>> | undefined {
    return this.gaps.get(row)
  }

  /** tcpscope answered the row's client with `bytes` in its target's place. */
  answer(row: number, bytes: number): void {
    this.answers.set(row, (this.answers.get(row) ?? 0) + bytes)
  }
  hasAnswers(): boolean {
    return this.answers.size > 0
  }
  /** The bytes of those answers, when there were any. */
  answered(row: number): number | undefined {
    return this.answers.get(row)
  }
}

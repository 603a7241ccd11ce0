// The TLS summaries of a closed file's stored index: each is JSON in the index's string
// table (hostile input, checked by tlsSummaryOf), parsed once per string, since a client's
// many connections to one upstream share one.

import type { TlsSummary } from '../../../shared/tls-types'
import { tlsSummaryOf } from '../format/tls-payloads'

export class StoredTls {
  private readonly byRef = new Map<number, TlsSummary | undefined>()

  /** The summary string `ref` of the table holds (`json`), or undefined when it is damaged. */
  of(ref: number, json: string | undefined): TlsSummary | undefined {
    if (this.byRef.has(ref)) return this.byRef.get(ref)
    let tls: TlsSummary | undefined
    try {
      tls = tlsSummaryOf(JSON.parse(json ?? ''))
    } catch {
      tls = undefined // damaged facts lose the TLS section, not the connection
    }
    this.byRef.set(ref, tls)
    return tls
  }
}

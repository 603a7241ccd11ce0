// Exports of the capture on screen (capture.export): HAR and pcapng of one connection, of the
// connections listed, or of the whole capture, and one HTTP request as a curl command. They
// run as the documents store's long operation (one at a time, its progress and Cancel shown
// by OperationProgress): the engine's progress events while it builds the file, then bytes
// while the page reads it, and the file arrives as a browser download, in the desktop app
// and web mode alike. A curl command goes to the clipboard instead.

import { defineStore } from 'pinia'
import { watch } from 'vue'
import { MAX_PAGE } from '../../../../shared/contract'
import type { ExportAs } from '../../../../shared/export-args'
import type { ExportFormat } from '../../../../shared/protocol-types'
import { offerDownload, readDownload } from '../files/download-capture'
import { useConnectionsStore } from '../connections/connections-store'
import { useDocumentsStore } from '../files/documents-store'
import { useEngineStore } from '../../platform/engine-store'

/** What an export covers: some connections, or (no ids) every one in the capture. */
export interface ExportScope {
  connIds?: number[]
}

export type FileFormat = Exclude<ExportFormat, 'curl'>

const EXTENSIONS: Record<FileFormat, string> = { har: 'har', pcapng: 'pcapng' }

/** `capture.har`, `conn-12.pcapng`, `3-connections.har`: what the operation is called until the engine names the file. */
export function exportName(format: FileFormat, scope: ExportScope): string {
  const ids = scope.connIds
  const base = ids === undefined ? 'capture' : ids.length === 1 ? `conn-${ids[0]}` : `${ids.length}-connections`
  return `${base}.${EXTENSIONS[format]}`
}

export const useExportsStore = defineStore('exports', () => {
  const engine = useEngineStore()
  const docs = useDocumentsStore()
  const list = useConnectionsStore()
  /** Tells this page's exports apart in the engine's progress events (other pages may export too). */
  const page = Math.random().toString(36).slice(2, 10)
  let made = 0

  /** Exports to a download; false when it failed or was cancelled (the documents store's outcome says which). `as`: HAR as sent (default) or as the receivers got it after the rules. */
  async function exportFile(format: FileFormat, scope: ExportScope = {}, as?: ExportAs): Promise<boolean> {
    const operation = `export-${page}-${++made}`
    const capture = list.capture
    // Until the file is built, the engine's progress; then the bytes read.
    let reading = false
    const stop = watch(
      () => engine.progress.get(operation),
      (p) => {
        if (p && !reading) docs.progress(p.done, p.of, 'steps')
      }
    )
    try {
      const got = await docs.run('export', exportName(format, scope), async (t, signal) => {
        const args = { capture, format, progress: operation, ...(scope.connIds ? { connIds: scope.connIds } : {}), ...(as ? { as } : {}) }
        const r = await t.call('capture.export', args, { signal })
        if (r.download === undefined) throw new Error(`the engine kept no download of ${r.name}`)
        reading = true
        docs.progress(0, r.size)
        const blob = await readDownload(t, r.download, r.size, { signal, onProgress: (done, total) => docs.progress(done, total) })
        return { blob, name: r.name, size: r.size }
      })
      if (!got) return false
      offerDownload(got.blob, got.name)
      docs.outcome = { kind: 'exported', name: got.name, size: got.size }
      return true
    } finally {
      stop()
      engine.forgetProgress(operation)
    }
  }

  /** Puts the command that sends exchange `exchange` of connection `connId` again on the clipboard: as the client sent it, or (`delivered`) as the target got it. */
  async function copyCurl(connId: number, exchange: number, as?: ExportAs): Promise<boolean> {
    const capture = list.capture
    const text = await docs.run('export', `curl #${connId}`, async (t, signal) => {
      const r = await t.call('capture.export', { capture, format: 'curl', connIds: [connId], exchange, ...(as ? { as } : {}) }, { signal })
      if (r.text === undefined) throw new Error(`the engine made no curl command of exchange ${exchange + 1} of connection #${connId}`)
      // Pages served over plain http from another host have no clipboard API.
      if (!navigator.clipboard) throw new Error('this page has no clipboard access (open it as localhost or over https)')
      await navigator.clipboard.writeText(r.text)
      return r.text
    })
    if (text === undefined) return false
    docs.outcome = { kind: 'copied', connId, exchange }
    return true
  }

  /**
   * The connections the list shows under its filter, when there are few enough to name
   * (capture.export takes at most MAX_PAGE ids); undefined when there are more, or no filter.
   */
  async function listedConnections(): Promise<number[] | undefined> {
    if (!list.filter.trim() || list.total === 0 || list.total > MAX_PAGE) return undefined
    const r = await engine.call('conn.page', { capture: list.capture, offset: 0, limit: list.total, filter: list.filter, sort: 'id' })
    return r.rows.map((c) => c.id)
  }

  return { exportFile, copyCurl, listedConnections }
})

// @vitest-environment jsdom
// Exports as the context actions run them: capture.export without a path, its progress from
// the engine's events, then its file read in pieces and handed to the browser as a download;
// Cancel stops it; a curl command lands on the clipboard.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CommandArgs } from '../../../../src/shared/contract'
import { EngineError } from '../../../../src/shared/errors'
import { useDocumentsStore } from '../../../../src/renderer/src/features/files/documents-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { exportName, useExportsStore } from '../../../../src/renderer/src/features/exports/exports-store'
import { useConnectionsStore } from '../../../../src/renderer/src/features/connections/connections-store'
import { fakeTransport } from '../../fake-transport'
import { flushPromises } from '../../../helpers/flush-promises'

const HAR = new TextEncoder().encode(JSON.stringify({ log: { version: '1.2', entries: [] } }))

/** What the page handed to the browser's downloads: the link's name and its bytes. */
const downloads: Array<{ name: string; text: Promise<string> }> = []
const blobs = new Map<string, Blob>()
const onClick = (e: MouseEvent): void => {
  const a = e.target as HTMLAnchorElement
  if (a.download) {
    e.preventDefault()
    downloads.push({ name: a.download, text: blobs.get(a.href)!.text() })
  }
}
beforeEach(() => {
  setActivePinia(createPinia())
  downloads.length = 0
  let n = 0
  URL.createObjectURL = (b: Blob | MediaSource): string => {
    const url = `blob:test/${++n}`
    blobs.set(url, b as Blob)
    return url
  }
  URL.revokeObjectURL = (url: string): void => void blobs.delete(url)
  document.addEventListener('click', onClick)
})
afterEach(() => document.removeEventListener('click', onClick))

function setup(opts: { hold?: boolean } = {}) {
  let release: () => void = () => {}
  const held = new Promise<void>((r) => (release = r))
  const ended: string[] = []
  const t = fakeTransport({
    'capture.export': async (args: CommandArgs<'capture.export'>, ctx) => {
      if (args.format === 'curl') return { name: 'request.sh', size: 40, text: `curl -X GET 'http://example.com/items/${args.exchange}'` }
      if (opts.hold) {
        await new Promise<void>((resolve, reject) => {
          ctx.signal?.addEventListener('abort', () => reject(new EngineError('ECANCELED', 'cancelled')))
          void held.then(resolve)
        })
      }
      return { download: 'd1', name: args.connIds ? `conn-${args.connIds[0]}.${args.format}` : `capture.${args.format}`, size: HAR.length }
    },
    'capture.download.read': ({ offset, length }) => HAR.slice(offset, offset + Math.min(length, 16)),
    'capture.download.end': ({ download }) => void ended.push(download),
    'conn.page': ({ filter }) => ({ total: 3, of: 9, offset: 0, rows: [2, 5, 7].map((id) => ({ id, kind: 'proxy' as const, ownerId: 'p1', target: 'x:1', openedAt: 0, bytes: { client: 0, server: 0 }, fin: { client: false, server: false }, end: 'open' as const })).filter(() => filter !== undefined) })
  })
  useEngineStore().attach(t.transport)
  return { t, ended, release, exports: useExportsStore(), docs: useDocumentsStore() }
}

describe('exports from the UI', () => {
  it('names what it exports', () => {
    expect(exportName('har', {})).toBe('capture.har')
    expect(exportName('pcapng', { connIds: [12] })).toBe('conn-12.pcapng')
    expect(exportName('har', { connIds: [1, 2, 3] })).toBe('3-connections.har')
  })

  it('exports HAR of a connection as a download, read in pieces, and says so', async () => {
    const { t, ended, exports, docs } = setup()
    expect(await exports.exportFile('har', { connIds: [4] })).toBe(true)
    const call = t.calls.find((c) => c.cmd === 'capture.export')!.args as CommandArgs<'capture.export'>
    expect(call).toMatchObject({ capture: 'live', format: 'har', connIds: [4] })
    expect(call.path).toBeUndefined()
    expect(call.progress).toMatch(/^export-/)
    expect(t.calls.filter((c) => c.cmd === 'capture.download.read').length).toBe(Math.ceil(HAR.length / 16))
    expect(ended).toEqual(['d1'])
    expect(downloads.map((d) => d.name)).toEqual(['conn-4.har'])
    expect(JSON.parse(await downloads[0].text)).toEqual({ log: { version: '1.2', entries: [] } })
    expect(docs.outcome).toEqual({ kind: 'exported', name: 'conn-4.har', size: HAR.length })
    expect(docs.operation).toBeUndefined()
  })

  it("shows the engine's progress while it builds the file, and Cancel stops it with nothing downloaded", async () => {
    const { t, exports, docs } = setup({ hold: true })
    const done = exports.exportFile('pcapng')
    await flushPromises()
    expect(docs.operation).toMatchObject({ kind: 'export', name: 'capture.pcapng' })
    const operation = (t.calls.find((c) => c.cmd === 'capture.export')!.args as CommandArgs<'capture.export'>).progress!
    t.emit({ type: 'batch', progress: [{ operation, done: 30, of: 120 }] })
    await flushPromises({ frames: 1 })
    expect(docs.operation).toMatchObject({ done: 30, total: 120, unit: 'steps' })
    docs.cancel()
    expect(await done).toBe(false)
    expect(docs.outcome).toEqual({ kind: 'cancelled', operation: 'export', name: 'capture.pcapng' })
    expect(downloads).toEqual([])
    expect(useEngineStore().progress.has(operation)).toBe(false)
  })

  it('puts a curl command on the clipboard', async () => {
    const { t, exports, docs } = setup()
    const copied: string[] = []
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (s: string) => void copied.push(s) } })
    expect(await exports.copyCurl(7, 2)).toBe(true)
    expect(t.calls.at(-1)?.args).toEqual({ capture: 'live', format: 'curl', connIds: [7], exchange: 2 })
    expect(copied).toEqual(["curl -X GET 'http://example.com/items/2'"])
    expect(docs.outcome).toEqual({ kind: 'copied', connId: 7, exchange: 2 })
  })

  it('names the connections a filter lists, and none without a filter', async () => {
    const { exports } = setup()
    const list = useConnectionsStore()
    expect(await exports.listedConnections()).toBeUndefined()
    list.filter = 'port:80'
    await flushPromises()
    expect(await exports.listedConnections()).toEqual([2, 5, 7])
  })
})

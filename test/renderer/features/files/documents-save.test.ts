// @vitest-environment jsdom
// Saving as the page sees it: whether the live capture is saved (as the engine last said,
// and after live changes since), where a relative name lands, and a download read in
// pieces that ends in the browser's downloads and lets the engine's copy go however it ends.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { CaptureInfo, ConnectionSummary } from '../../../../src/shared/capture-types'
import { EngineError } from '../../../../src/shared/errors'
import { useDocumentsStore } from '../../../../src/renderer/src/features/files/documents-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { savePathIn } from '../../../../src/renderer/src/features/files/save-path'
import { fakeTransport, type Handlers } from '../../fake-transport'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

const liveInfo = (over: Partial<CaptureInfo> = {}): CaptureInfo => ({ id: 'live', name: 'live.tcap', path: '/tmp/live.tcap', size: 100, connections: 1, live: true, saveFolder: '/home/ana', ...over })
const conn = { id: 1, kind: 'proxy', ownerId: 'p1', target: 'x:1', openedAt: 0, bytes: { client: 1, server: 0 }, fin: { client: true, server: false }, end: 'open' } as ConnectionSummary

function setup(handlers: Handlers = {}) {
  const t = fakeTransport(handlers)
  const engine = useEngineStore()
  engine.attach(t.transport)
  return { t, engine, docs: useDocumentsStore() }
}

describe('whether the live capture is saved', () => {
  it('follows what the engine says, and a live change since its last capture list', () => {
    const { engine, docs } = setup()
    engine.applyEvent({ type: 'snapshot', proxies: [], sessions: [], captures: [liveInfo({ unsaved: false })] })
    expect(docs.liveUnsaved).toBe(false)
    expect(docs.saveFolder).toBe('/home/ana')
    // A FIN comes in a batch without a capture list: the saved copy no longer has it.
    engine.applyBatches([{ type: 'batch', conns: [conn] }])
    expect(docs.liveUnsaved).toBe(true)
    // The engine's next list is as of its batch: it decides again.
    engine.applyBatches([{ type: 'batch', captures: [liveInfo({ unsaved: false })] }])
    expect(docs.liveUnsaved).toBe(false)
    engine.applyBatches([{ type: 'batch', captures: [liveInfo({ unsaved: true })], conns: [conn] }])
    expect(docs.liveUnsaved).toBe(true)
  })

  it('an empty live capture is never unsaved', () => {
    const { engine, docs } = setup()
    engine.applyEvent({ type: 'snapshot', proxies: [], sessions: [], captures: [liveInfo({ connections: 0, unsaved: false })] })
    engine.applyBatches([{ type: 'batch', resync: true }])
    expect(docs.liveUnsaved).toBe(false)
  })
})

describe('where a typed name lands', () => {
  it('a relative name in the save folder, with its separator; a full path as typed', () => {
    expect(savePathIn('/home/ana', 'copy.tcap')).toBe('/home/ana/copy.tcap')
    expect(savePathIn('/home/ana/', 'sub/copy.tcap')).toBe('/home/ana/sub/copy.tcap')
    expect(savePathIn('C:\\Users\\ana', 'copy.tcap')).toBe('C:\\Users\\ana\\copy.tcap')
    expect(savePathIn('/home/ana', '/data/copy.tcap')).toBe('/data/copy.tcap')
    expect(savePathIn('/home/ana', '~/copy.tcap')).toBe('~/copy.tcap')
    expect(savePathIn(undefined, 'copy.tcap')).toBe('copy.tcap')
  })
})

describe('downloading the live capture', () => {
  const bytes = Uint8Array.from({ length: 10 }, (_, i) => i)

  function downloads(handlers: Handlers = {}) {
    const offered: Array<{ name: string; blob: Blob }> = []
    URL.createObjectURL = vi.fn((blob: Blob) => {
      offered.push({ name: '', blob })
      return 'blob:fake'
    })
    URL.revokeObjectURL = vi.fn()
    const clicked: string[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download)
    })
    const s = setup({
      'capture.download.begin': () => ({ download: 'd1', name: 'live.tcap', size: bytes.length, connections: 2 }),
      'capture.download.read': ({ offset, length }) => bytes.slice(offset, offset + Math.min(length, 4)),
      'capture.download.end': () => undefined,
      ...handlers
    })
    return { ...s, offered, clicked }
  }

  it('reads the copy in pieces into one file the browser downloads, then lets the copy go', async () => {
    const { docs, t, offered, clicked } = downloads()
    expect(await docs.download()).toBe(true)
    expect(t.calls.map((c) => c.cmd)).toEqual(['capture.download.begin', 'capture.download.read', 'capture.download.read', 'capture.download.read', 'capture.download.end'])
    expect(new Uint8Array(await offered[0].blob.arrayBuffer())).toEqual(bytes)
    expect(clicked).toHaveLength(1)
    expect(clicked[0]).toMatch(/^capture-\d{4}-\d\d-\d\dT[\d-]+Z\.tcap$/)
    expect(docs.outcome).toEqual({ kind: 'downloaded', name: clicked[0], connections: 2 })
    expect(docs.busy).toBe(false)
  })

  it('a failed read keeps its one line, offers nothing, and still lets the copy go', async () => {
    const { docs, t, clicked } = downloads({
      'capture.download.read': () => {
        throw new EngineError('EIO', 'cannot read /tmp/live.tcap: EIO')
      }
    })
    expect(await docs.download()).toBe(false)
    expect(docs.outcome).toEqual({ kind: 'error', code: 'EIO', message: 'cannot read /tmp/live.tcap: EIO' })
    expect(clicked).toEqual([])
    expect(t.calls.at(-1)).toEqual({ cmd: 'capture.download.end', args: { download: 'd1' } })
  })
})

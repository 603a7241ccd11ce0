// @vitest-environment jsdom
// Captures as documents, as the page handles them: opening by path (a recent one that has
// gone is taken off the list), uploading in chunks with progress, cancelling, saving,
// closing (the one on screen gives way to its neighbour) and stepping through open captures.
import { createPinia, setActivePinia } from 'pinia'
import { watch } from 'vue'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CaptureInfo } from '../../../../src/shared/capture-types'
import { EngineError } from '../../../../src/shared/errors'
import { useConnectionsStore } from '../../../../src/renderer/src/features/connections/connections-store'
import { useDocumentsStore } from '../../../../src/renderer/src/features/files/documents-store'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSettingsStore } from '../../../../src/renderer/src/features/settings/settings-store'
import { fakeTransport, type Handlers } from '../../fake-transport'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

const info = (id: string, path: string): CaptureInfo => ({ id, name: path.split('/').pop()!, path, size: 100, connections: 2, live: id === 'live' })

function setup(handlers: Handlers = {}) {
  const t = fakeTransport({ 'conn.page': ({ offset }) => ({ total: 0, offset, rows: [] }), ...handlers })
  const engine = useEngineStore()
  engine.attach(t.transport)
  return { t, engine, docs: useDocumentsStore(), list: useConnectionsStore(), settings: useSettingsStore() }
}

/** A promise the test settles when it wants. */
function gate<T>() {
  let open!: (v: T) => void
  let fail!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => {
    open = res
    fail = rej
  })
  return { promise, open, fail }
}

describe('opening by path', () => {
  it('shows the capture and remembers the file', async () => {
    const { docs, list, settings } = setup({ 'capture.open': ({ path }) => info('f1', path) })
    expect(await docs.open('/data/a.tcap')).toMatchObject({ id: 'f1' })
    expect(list.capture).toBe('f1')
    expect(settings.recent).toEqual(['/data/a.tcap'])
    expect(docs.outcome).toBeUndefined()
    expect(docs.busy).toBe(false)
  })

  it("keeps the engine's one-line error, and takes a recent file that has gone off the list", async () => {
    const { docs, settings, list } = setup({
      'capture.open': ({ path }) => {
        throw path.endsWith('gone.tcap') ? new EngineError('ENOENT', `no such file: ${path}`) : new EngineError('ENOTCAPTURE', `${path} is not a tcpscope capture file (no TCPSCAP header)`)
      }
    })
    settings.recent = ['/data/gone.tcap', '/data/notes.txt']
    await docs.open('/data/notes.txt')
    expect(docs.outcome).toEqual({ kind: 'error', code: 'ENOTCAPTURE', message: '/data/notes.txt is not a tcpscope capture file (no TCPSCAP header)' })
    expect(settings.recent).toEqual(['/data/gone.tcap', '/data/notes.txt'])
    await docs.open('/data/gone.tcap')
    expect(docs.outcome).toEqual({ kind: 'error', code: 'ENOENT', message: 'no such file: /data/gone.tcap', forgotten: true })
    expect(settings.recent).toEqual(['/data/notes.txt'])
    expect(list.capture).toBe('live')
  })

  it('shows the operation while it runs, one at a time, and cancels it through its signal', async () => {
    const g = gate<CaptureInfo>()
    const { docs } = setup({
      'capture.open': (_args, { signal }) => {
        signal?.addEventListener('abort', () => g.fail(new EngineError('ECANCELED', 'opening big.tcap was cancelled')))
        return g.promise
      }
    })
    const opening = docs.open('/data/big.tcap')
    expect(docs.operation).toMatchObject({ kind: 'open', name: 'big.tcap' })
    expect(docs.operation?.total).toBeUndefined()
    // A second one waits its turn: it is refused, saying which one runs.
    expect(await docs.open('/data/other.tcap')).toBeUndefined()
    expect(docs.outcome).toEqual({ kind: 'busy', name: 'big.tcap' })
    docs.cancel()
    expect(docs.operation?.cancelling).toBe(true)
    expect(await opening).toBeUndefined()
    expect(docs.operation).toBeUndefined()
    expect(docs.outcome).toEqual({ kind: 'cancelled', operation: 'open', name: 'big.tcap' })
  })
})

describe('uploading', () => {
  const file = (n: number, name = 'up.tcap'): File => new File([new Uint8Array(n).map((_, i) => i % 251)], name)

  it('sends the file in chunks, in order, and shows the capture; progress is what the engine took', async () => {
    const received: Uint8Array[] = []
    const progress: Array<[number, number]> = []
    const { docs, list, settings, t } = setup({
      'capture.upload.begin': () => ({ upload: 'u1' }),
      'capture.upload.chunk': ({ offset, data }) => {
        received.push(data)
        return { received: offset + data.length }
      },
      'capture.upload.end': () => info('f2', '/tmp/tcpscope-uploads-1/u1/up.tcap')
    })
    const f = file(10 * 1024 * 1024)
    // The progress as the store shows it, every change.
    const stop = watch(
      () => docs.operation,
      (op) => op?.done !== undefined && progress.push([op.done, op.total!]),
      { flush: 'sync' }
    )
    const result = await docs.upload(f)
    stop()
    expect(docs.outcome).toBeUndefined()
    expect(result).toMatchObject({ id: 'f2' })
    expect(list.capture).toBe('f2')
    // An upload's temporary copy is no file to reopen later.
    expect(settings.recent).toEqual([])
    const chunks = t.calls.filter((c) => c.cmd === 'capture.upload.chunk').map((c) => c.args as { offset: number; data: Uint8Array })
    expect(chunks.map((c) => [c.offset, c.data.length])).toEqual([
      [0, 4 * 1024 * 1024],
      [4 * 1024 * 1024, 4 * 1024 * 1024],
      [8 * 1024 * 1024, 2 * 1024 * 1024]
    ])
    const sent = new Uint8Array(await new Blob(received as BlobPart[]).arrayBuffer())
    const original = new Uint8Array(await f.arrayBuffer())
    expect(sent.length).toBe(original.length)
    expect(sent.findIndex((b, i) => b !== original[i])).toBe(-1)
    expect(t.calls.map((c) => c.cmd).filter((c) => c.startsWith('capture.upload'))).toEqual(['capture.upload.begin', 'capture.upload.chunk', 'capture.upload.chunk', 'capture.upload.chunk', 'capture.upload.end'])
    const MiB = 1024 * 1024
    expect(progress).toEqual([0, 4, 8, 10].map((n) => [n * MiB, 10 * MiB]))
  })

  it('cancelled between chunks: no more chunks, the engine drops what it took, and it says so', async () => {
    const g = gate<{ received: number }>()
    const { docs, t } = setup({
      'capture.upload.begin': () => ({ upload: 'u1' }),
      'capture.upload.chunk': () => g.promise,
      'capture.upload.cancel': () => undefined
    })
    const uploading = docs.upload(file(9 * 1024 * 1024))
    // Its first chunk is with the engine, unanswered.
    await expect.poll(() => t.calls.map((c) => c.cmd)).toContain('capture.upload.chunk')
    docs.cancel()
    g.open({ received: 4 * 1024 * 1024 })
    expect(await uploading).toBeUndefined()
    expect(docs.outcome).toEqual({ kind: 'cancelled', operation: 'upload', name: 'up.tcap' })
    expect(t.calls.map((c) => c.cmd).filter((c) => c.startsWith('capture.upload'))).toEqual(['capture.upload.begin', 'capture.upload.chunk', 'capture.upload.cancel'])
    expect(t.calls.at(-1)!.args).toEqual({ upload: 'u1' })
  })

  it("a file that is not a capture: the engine's line, and its bytes dropped", async () => {
    const { docs, t } = setup({
      'capture.upload.begin': () => ({ upload: 'u1' }),
      'capture.upload.chunk': () => {
        throw new EngineError('ENOTCAPTURE', 'notes.txt is not a tcpscope capture file (no TCPSCAP header)')
      },
      'capture.upload.cancel': () => undefined
    })
    await docs.upload(file(100, 'notes.txt'))
    expect(docs.outcome).toEqual({ kind: 'error', code: 'ENOTCAPTURE', message: 'notes.txt is not a tcpscope capture file (no TCPSCAP header)' })
    expect(t.calls.at(-1)).toEqual({ cmd: 'capture.upload.cancel', args: { upload: 'u1' } })
  })

  it('dropped files in web mode are uploaded one after another; the first failure stops the rest', async () => {
    const { docs, t } = setup({
      'capture.upload.begin': ({ name }) => {
        if (name === 'bad.tcap') throw new EngineError('EFBIG', 'bad.tcap is too big')
        return { upload: name }
      },
      'capture.upload.chunk': ({ offset, data }) => ({ received: offset + data.length }),
      'capture.upload.end': ({ upload }) => info(`f-${upload}`, `/tmp/${upload}`)
    })
    await docs.openFiles([file(10, 'a.tcap'), file(10, 'bad.tcap'), file(10, 'c.tcap')])
    expect(t.calls.filter((c) => c.cmd === 'capture.upload.begin').map((c) => (c.args as { name: string }).name)).toEqual(['a.tcap', 'bad.tcap'])
    expect(docs.outcome).toMatchObject({ kind: 'error', message: 'bad.tcap is too big' })
  })
})

describe('saving', () => {
  it('says where it went and remembers the file', async () => {
    const { docs, settings, t } = setup({ 'capture.save': ({ path }) => ({ path, size: 10, connections: 3 }) })
    await docs.save('/data/copy.tcap')
    expect(t.calls.at(-1)).toEqual({ cmd: 'capture.save', args: { path: '/data/copy.tcap' } })
    expect(docs.outcome).toEqual({ kind: 'saved', path: '/data/copy.tcap', connections: 3 })
    expect(settings.recent).toEqual(['/data/copy.tcap'])
  })

  /** An engine that refuses to replace /data/copy.tcap without the token it hands out. */
  const asking = () =>
    setup({
      'capture.save': ({ path, confirm }) => {
        if (confirm !== 'tok') throw new EngineError('EEXIST', `${path} already exists (a tcpscope capture, 1.0 KiB); replace it?`, 'tok')
        return { path, size: 10, connections: 3 }
      }
    })

  it('never replaces a capture on its own: the engine asks, the page asks the user, and only a yes sends the token', async () => {
    const { docs, t } = asking()
    expect(await docs.save('/data/copy.tcap')).toBeUndefined()
    expect(t.calls.map((c) => c.args)).toEqual([{ path: '/data/copy.tcap' }])
    expect(docs.question).toEqual({ path: '/data/copy.tcap', message: '/data/copy.tcap already exists (a tcpscope capture, 1.0 KiB); replace it?', confirm: 'tok' })
    expect(docs.outcome).toBeUndefined()

    docs.keep()
    expect(docs.question).toBeUndefined()
    expect(t.calls).toHaveLength(1)

    await docs.save('/data/copy.tcap')
    expect(await docs.replace()).toMatchObject({ path: '/data/copy.tcap' })
    expect(t.calls.map((c) => c.args)).toEqual([{ path: '/data/copy.tcap' }, { path: '/data/copy.tcap' }, { path: '/data/copy.tcap', confirm: 'tok' }])
    expect(docs.question).toBeUndefined()
    expect(docs.outcome).toEqual({ kind: 'saved', path: '/data/copy.tcap', connections: 3 })
  })

  it('after a native save dialog has asked, the token goes straight back', async () => {
    const { docs, t } = asking()
    expect(await docs.save('/data/copy.tcap', { confirmed: true })).toMatchObject({ path: '/data/copy.tcap' })
    expect(t.calls.map((c) => c.args)).toEqual([{ path: '/data/copy.tcap' }, { path: '/data/copy.tcap', confirm: 'tok' }])
    expect(docs.question).toBeUndefined()
  })

  it('any other refusal is shown as it is, with nothing to confirm', async () => {
    const { docs } = setup({
      'capture.save': ({ path }) => {
        throw new EngineError('ENOTCAPTURE', `cannot save to ${path}: ${path} is not a tcpscope capture, and only captures are ever replaced; pick another name`)
      }
    })
    await docs.save('/data/notes.txt', { confirmed: true })
    expect(docs.question).toBeUndefined()
    expect(docs.outcome).toMatchObject({ kind: 'error', code: 'ENOTCAPTURE' })
  })
})

describe('open captures', () => {
  function withCaptures() {
    const s = setup({ 'capture.close': () => undefined })
    s.t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [info('live', '/tmp/l.tcap'), info('f1', '/d/a.tcap'), info('f2', '/d/b.tcap'), info('f3', '/d/c.tcap')] })
    return s
  }

  it('closing the one on screen shows the one before it; closing another leaves the screen alone', async () => {
    const { docs, list, t } = withCaptures()
    list.capture = 'f2'
    await docs.close('f2')
    expect(list.capture).toBe('f1')
    expect(t.calls.filter((c) => c.cmd === 'capture.close').map((c) => c.args)).toEqual([{ capture: 'f2' }])
    await docs.close('f3')
    expect(list.capture).toBe('f1')
    await docs.close('live')
    expect(t.calls.filter((c) => c.cmd === 'capture.close')).toHaveLength(2)
  })

  it('a page that starts with files open shows the one opened last; later ones do not take the screen', () => {
    const { list, t } = withCaptures()
    expect(list.capture).toBe('f3')
    list.capture = 'f1'
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [info('live', '/tmp/l.tcap'), info('f1', '/d/a.tcap'), info('f4', '/d/d.tcap')] })
    expect(list.capture).toBe('f1')
  })

  it('a page that starts with the live capture alone shows it', () => {
    const { list, t } = setup()
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [info('live', '/tmp/l.tcap')] })
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [info('live', '/tmp/l.tcap'), info('f1', '/d/a.tcap')] })
    expect(list.capture).toBe('live')
  })

  it('steps to the next and previous capture, round the ends', () => {
    const { docs, list } = withCaptures()
    list.capture = 'live'
    docs.switchCapture(-1)
    expect(list.capture).toBe('f3')
    docs.switchCapture(1)
    docs.switchCapture(1)
    expect(list.capture).toBe('f1')
  })
})

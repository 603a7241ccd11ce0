// @vitest-environment jsdom
// The composer as a person uses it: the preview is the engine's (payload.preview) a
// moment after typing, errors show where they are, Ctrl+Enter sends to the connection or
// to every client of the server, and what was sent is remembered across reloads. The
// engine here builds UTF-8 text and hex from the shared parsers; the real one is behind
// test/e2e/sessions.e2e.test.ts.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { checksumBytes } from '../../../../../src/shared/payload/checksums'
import { parseEscapes } from '../../../../../src/shared/payload/escapes'
import { parseHex } from '../../../../../src/shared/payload/parse-hex'
import { EOL_BYTES } from '../../../../../src/shared/payload/payload-spec'
import { EngineError } from '../../../../../src/shared/errors'
import type { ConnectionSummary } from '../../../../../src/shared/capture-types'
import type { PayloadSpec } from '../../../../../src/shared/payload/payload-spec'
import type { ServerSessionInfo } from '../../../../../src/shared/session-types'
import SessionComposer from '../../../../../src/renderer/src/features/sessions/composer/SessionComposer.vue'
import { connectionActions } from '../../../../../src/renderer/src/features/sessions/composer/connection-actions'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'
import { PREVIEW_DELAY_MS } from '../../../../../src/renderer/src/features/sessions/composer/usePayloadPreview'
import { useEngineStore } from '../../../../../src/renderer/src/platform/engine-store'
import { fakeTransport } from '../../../fake-transport'
import { flushPromises } from '../../../../helpers/flush-promises'

/**
 * Reads of picked files the test answers itself, as a large file on a slow disk: the page's
 * FileReader stood in for (not the module that uses it: the renderer's test files share
 * their modules, so a module mock would not reach a component another file loaded first).
 */
const reads = new Map<string, (base64: string) => void>()
class SlowReader {
  result: string | null = null
  error: Error | null = null
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  readAsDataURL(file: File): void {
    reads.set(file.name, (base64) => {
      this.result = `data:application/octet-stream;base64,${base64}`
      this.onload?.()
    })
  }
}

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
  // The preview's debounce runs on a fake clock: no test waits for it in real time.
  vi.useFakeTimers()
})
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
  vi.useRealTimers()
})

const conn: ConnectionSummary = {
  id: 7,
  kind: 'server',
  ownerId: 's1',
  target: '127.0.0.1:9000',
  openedAt: 0,
  bytes: { client: 0, server: 0 },
  fin: { client: false, server: false },
  end: 'open'
}
const server: ServerSessionInfo = { id: 's1', kind: 'server', listen: '127.0.0.1:9000', state: 'listening', clients: [7, 9], paused: [], accepted: 2, refused: 0, behaviour: {}, intervals: [] }

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
/** The bytes of a UTF-8 text or hex payload, as the engine makes them (src/core/payload/build-payload.ts). */
function buildPayload(p: PayloadSpec): Uint8Array {
  try {
    const data = p.kind === 'hex' ? parseHex(p.data) : concat(parseEscapes(p.data).map((x) => ('byte' in x ? Uint8Array.of(x.byte) : new TextEncoder().encode(x.text))))
    return concat([data, checksumBytes(p.checksum ?? 'none', data), EOL_BYTES[p.eol ?? 'none']])
  } catch (err) {
    throw new EngineError('EPAYLOAD', (err as Error).message)
  }
}

/** Moves the clock past the preview's debounce and lets the engine's reply land. */
const pastPreviewDelay = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS)
  await flushPromises()
}

function setup(c: ConnectionSummary = conn) {
  const sent: Array<{ cmd: string; args: unknown }> = []
  const t = fakeTransport({
    'payload.preview': ({ payload }) => buildPayload(payload),
    'conn.send': ({ connId, payload }) => {
      sent.push({ cmd: 'conn.send', args: { connId, payload } })
      return { bytes: buildPayload(payload).length }
    },
    'server.broadcast': ({ serverId, payload }) => {
      sent.push({ cmd: 'server.broadcast', args: { serverId, payload } })
      return { clients: 2, bytes: buildPayload(payload).length }
    },
    'conn.end': ({ connId }) => {
      sent.push({ cmd: 'conn.end', args: { connId } })
    },
    'conn.interval': (args) => {
      sent.push({ cmd: 'conn.interval', args })
    },
    'server.interval': (args) => {
      sent.push({ cmd: 'server.interval', args })
      return server
    }
  })
  useEngineStore().attach(t.transport)
  const i18n = createAppI18n('en')
  const w = mount(SessionComposer, {
    props: { conn: c, actions: connectionActions(c, [server], true) },
    global: { plugins: [pinia, i18n] },
    attachTo: document.body
  })
  mounted.push(w)
  return { w, sent, i18n }
}

const previewText = (w: VueWrapper): string => w.find('[role=group][aria-label=Preview]').text()

describe('composer', () => {
  it('previews the exact bytes a moment after typing, and says where hex is malformed', async () => {
    const { w } = setup()
    expect(previewText(w)).toContain('nothing to send yet')
    await w.find('textarea').setValue('hi\\r\\n')
    await pastPreviewDelay()
    expect(previewText(w)).toContain('4 B')
    expect(previewText(w)).toContain('68 69 0d 0a')
    // An edit: the bytes shown are the last draft's until the engine has made the new ones.
    const group = (): string | undefined => w.find('[role=group][aria-label=Preview]').attributes('aria-busy')
    expect(group()).toBe('false')
    await w.find('textarea').setValue('hi!\\r\\n')
    expect(group()).toBe('true')
    expect(previewText(w)).toContain('4 B')
    await pastPreviewDelay()
    expect(group()).toBe('false')
    expect(previewText(w)).toContain('5 B')
    expect(previewText(w)).toContain('68 69 21 0d 0a')

    await w.findAll('[aria-label="Payload as"] button')[1].trigger('click')
    await w.find('textarea').setValue('48 6g')
    await pastPreviewDelay()
    expect(previewText(w)).toContain('bad hex digit "g" at position 5')
    expect(w.find('textarea').attributes('aria-invalid')).toBe('true')
  })

  it('sends with Ctrl+Enter to the selected connection and remembers what it sent', async () => {
    const { w, sent } = setup()
    await w.find('textarea').setValue('PING')
    await w.find('textarea').trigger('keydown', { key: 'Enter', ctrlKey: true })
    await pastPreviewDelay()
    expect(sent).toEqual([{ cmd: 'conn.send', args: { connId: 7, payload: { kind: 'text', data: 'PING' } as PayloadSpec } }])
    expect(w.find('[role=status]').text()).toBe('Sent 4 B to #7')
    const stored = JSON.parse(localStorage.getItem('tcpscope.composer') ?? '{}') as { history: Array<{ data: string }> }
    expect(stored.history.map((h) => h.data)).toEqual(['PING'])
  })

  it('rewords what it said it sent when the language changes afterwards', async () => {
    const { w, i18n } = setup()
    await w.find('textarea').setValue('PING')
    await w.find('button.primary').trigger('click')
    await pastPreviewDelay()
    expect(w.find('[role=status]').text()).toBe('Sent 4 B to #7')
    i18n.global.locale.value = 'zh-CN'
    await flushPromises()
    expect(w.find('[role=status]').text()).toBe('已向 #7 发送 4 B')
  })

  it('sends to every client of the server when told to', async () => {
    const { w, sent } = setup()
    await w.find('textarea').setValue('all')
    const to = w.findAll('select').find((s) => s.find('option[value=all]').exists())!
    await to.setValue('all')
    await w.find('button.primary').trigger('click')
    await pastPreviewDelay()
    expect(sent).toEqual([{ cmd: 'server.broadcast', args: { serverId: 's1', payload: { kind: 'text', data: 'all' } } }])
    expect(w.find('[role=status]').text()).toBe('Sent 3 B to each of 2 clients')
  })

  it('puts a remembered payload back, and enables FIN only while we have not sent ours', async () => {
    localStorage.setItem('tcpscope.composer', JSON.stringify({ history: [{ kind: 'hex', data: '01 02', encoding: 'utf8', escapes: true, eol: 'none', checksum: 'sum8' }] }))
    const { w, sent } = setup()
    const history = w.find('select[aria-label="Recent payloads"]')
    await history.setValue('0')
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('01 02')
    await pastPreviewDelay()
    expect(previewText(w)).toContain('01 02 03')

    const fin = w.findAll('button').find((b) => b.text() === 'FIN')!
    expect(fin.attributes('disabled')).toBeUndefined()
    await fin.trigger('click')
    await pastPreviewDelay()
    expect(sent).toEqual([{ cmd: 'conn.end', args: { connId: 7 } }])
    const after = { ...conn, fin: { client: false, server: true } }
    await w.setProps({ conn: after, actions: connectionActions(after, [server], true) })
    expect(w.findAll('button').find((b) => b.text() === 'FIN')!.attributes('disabled')).toBeDefined()
    expect(w.find('button.primary').attributes('disabled')).toBeDefined()
  })

  it("shows an interval send as running exactly while the engine says it runs, and stops all clients' without touching the behaviour", async () => {
    const { w, sent } = setup()
    await w.find('textarea').setValue('tick')
    await pastPreviewDelay()
    const intervalButton = () => w.findAll('button').find((b) => /interval/i.test(b.text()))!
    await intervalButton().trigger('click')
    await pastPreviewDelay()
    expect(sent).toEqual([{ cmd: 'conn.interval', args: { connId: 7, everyMs: 1000, payload: { kind: 'text', data: 'tick' } } }])
    // Asked for, but not running until the engine says so.
    expect(intervalButton().text()).toBe('Start interval')
    const running = { ...server, intervals: [7] }
    await w.setProps({ actions: connectionActions(conn, [running], true) })
    expect(intervalButton().text()).toBe('Stop interval')
    expect(intervalButton().attributes('aria-pressed')).toBe('true')
    // Its count ran out (or anything else stopped it): the engine's next info says so.
    await w.setProps({ actions: connectionActions(conn, [server], true) })
    expect(intervalButton().text()).toBe('Start interval')

    // To all clients: its own command, apart from the behaviour's interval.
    const behaviourInterval = { ...server, behaviour: { interval: { everyMs: 50, payload: { kind: 'text' as const, data: 'b' } } } }
    await w.setProps({ actions: connectionActions(conn, [behaviourInterval], true) })
    const to = w.findAll('select').find((s) => s.find('option[value=all]').exists())!
    await to.setValue('all')
    // The behaviour's interval is not the composer's: nothing to stop here yet.
    expect(intervalButton().text()).toBe('Start interval')
    sent.length = 0
    await intervalButton().trigger('click')
    await pastPreviewDelay()
    expect(sent).toEqual([{ cmd: 'server.interval', args: { serverId: 's1', everyMs: 1000, payload: { kind: 'text', data: 'tick' } } }])
    await w.setProps({ actions: connectionActions(conn, [{ ...behaviourInterval, intervalAll: { everyMs: 1000 } }], true) })
    expect(intervalButton().text()).toBe('Stop interval')
    sent.length = 0
    await intervalButton().trigger('click')
    await pastPreviewDelay()
    expect(sent).toEqual([{ cmd: 'server.interval', args: { serverId: 's1' } }])
  })

  it('sends no earlier file while a new pick reads, and a slower read of an earlier pick does not replace the later one', async () => {
    vi.stubGlobal('FileReader', SlowReader)
    onTestFinished(() => void vi.unstubAllGlobals())
    const { w, sent } = setup()
    await w.findAll('[aria-label="Payload as"] button')[2].trigger('click')
    const input = w.find('input[type=file]')
    const pick = async (name: string): Promise<void> => {
      Object.defineProperty(input.element, 'files', { value: [new File(['x'], name)], configurable: true })
      await input.trigger('change')
      await flushPromises()
    }
    await pick('a.bin')
    reads.get('a.bin')!('QQ==')
    await flushPromises()
    expect(w.text()).toContain('a.bin')
    // b.bin is picked, then c.bin: while they read, a.bin is not what Send would send.
    await pick('b.bin')
    await pick('c.bin')
    expect(w.text()).not.toContain('a.bin')
    expect(w.find('button.primary').attributes('disabled')).toBeDefined()
    reads.get('c.bin')!('Qw==')
    await flushPromises()
    reads.get('b.bin')!('Qg==')
    await flushPromises()
    expect(w.text()).toContain('c.bin')
    expect(w.text()).not.toContain('b.bin')
    await w.find('button.primary').trigger('click')
    await pastPreviewDelay()
    expect(sent).toEqual([{ cmd: 'conn.send', args: { connId: 7, payload: { kind: 'text', data: 'Qw==', encoding: 'base64', escapes: false } } }])
  })
})

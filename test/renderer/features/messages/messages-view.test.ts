// @vitest-environment jsdom
// The Messages tab over a fake engine: a redis connection's messages listed from msg.page pages
// (number, direction, time, size, summary, the pair), the framing and where it came from, a
// message chosen read again with its fields, a field chosen selecting its bytes in the stream
// (the message's offset plus the field's), the filter's words passed to the engine and its
// refusal shown under the box; a raw connection with no framing offers Decode as…; and the
// same in Chinese.
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MessagePage, StreamMessage } from '../../../../src/shared/message-types'
import { EngineError } from '../../../../src/shared/errors'
import MessagesView from '../../../../src/renderer/src/features/messages/MessagesView.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { useMessagesStore } from '../../../../src/renderer/src/features/messages/messages-store'
import { conn, latin1, settle, T } from '../http/http-fixtures'
import { fakeTransport } from '../../fake-transport'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  mounted.splice(0).forEach((w) => w.unmount())
  vi.useRealTimers()
})

const SET = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'
const GET = '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'
const CLIENT = SET + GET
const SERVER = '+OK\r\n$1\r\nv\r\n'

/** SET k v, +OK, GET k, "v": pipelined, both commands first. */
function redisMessages(withFields: boolean): StreamMessage[] {
  const fields = (args: string[], at = 0): StreamMessage['fields'] => {
    let offset = at + `*${args.length}\r\n`.length
    return [
      {
        name: 'command',
        value: `${args.length} arguments`,
        offset: 0,
        length: args.reduce((n, a) => n + `$${a.length}\r\n${a}\r\n`.length, `*${args.length}\r\n`.length),
        children: args.map((a, i) => {
          const f = { name: `argument ${i + 1}`, value: a, offset, length: `$${a.length}\r\n${a}\r\n`.length }
          offset += f.length
          return f
        })
      }
    ]
  }
  const all: StreamMessage[] = [
    { index: 0, dir: 'client', protocol: 'resp', range: { dir: 'client', offset: 0, length: SET.length }, time: T + 1, summary: 'SET k v', command: 'SET', pair: 2 },
    { index: 1, dir: 'client', protocol: 'resp', range: { dir: 'client', offset: SET.length, length: GET.length }, time: T + 1, summary: 'GET k', command: 'GET', pair: 3 },
    { index: 2, dir: 'server', protocol: 'resp', range: { dir: 'server', offset: 0, length: 5 }, time: T + 2, summary: '+OK', pair: 0 },
    { index: 3, dir: 'server', protocol: 'resp', range: { dir: 'server', offset: 5, length: 7 }, time: T + 3, summary: '"v"', pair: 1, incomplete: true }
  ]
  if (!withFields) return all
  all[0].fields = fields(['SET', 'k', 'v'])
  all[1].fields = fields(['GET', 'k'])
  all[2].fields = [{ name: 'simple string', value: 'OK', offset: 0, length: 5 }]
  all[3].fields = []
  return all
}

function fakeEngine(opts: { framing?: string; source?: MessagePage['source']; shown?: () => number } = {}) {
  const framing = opts.framing ?? 'resp'
  const source = opts.source ?? 'detected'
  return fakeTransport({
    'conn.get': () => [{ ...conn(5, 'raw'), protocol: { protocol: 'raw', ...(source === 'none' ? {} : { carries: framing }) } }],
    'msg.page': ({ from = 0, limit = 100, filter, fields }): MessagePage => {
      const all = source === 'none' ? [] : redisMessages(!!fields).slice(0, opts.shown?.() ?? 4)
      let shown = all
      for (const word of (filter ?? '').split(/\s+/).filter(Boolean)) {
        const [k, v] = word.split(':')
        if (k === 'cmd') shown = shown.filter((m) => m.command === v)
        else if (k === 'dir') shown = shown.filter((m) => m.dir === v)
        else throw new EngineError('EINVAL', `${k}: is no message filter word; use dir:, cmd:, fn:, text:`)
      }
      return { connId: 5, framing: source === 'none' ? 'none' : framing, source, from, total: shown.length, of: all.length, messages: shown.slice(from, from + limit), problems: [] }
    },
    'conn.read': ({ dir, offset, length }) => latin1(dir === 'client' ? CLIENT : SERVER).slice(offset, offset + length)
  })
}

async function mountView(language: 'en' | 'zh-CN' = 'en', opts: Parameters<typeof fakeEngine>[0] = {}) {
  setActivePinia(pinia)
  const fake = fakeEngine(opts)
  useEngineStore().attach(fake.transport)
  const selection = useSelectionStore()
  selection.select(5)
  await settle()
  const w = mount(MessagesView, { props: { conn: selection.conn!, capture: 'live' }, global: { plugins: [pinia, createAppI18n(language)] }, attachTo: document.body })
  mounted.push(w)
  await settle()
  await nextTick()
  return { w, selection, fake }
}

const byLabel = (w: VueWrapper, label: string) => w.find(`[aria-label="${label}"]`)
const options = (w: VueWrapper, label = 'Messages (4)') => byLabel(w, label).findAll('[role="option"]')

describe('the Messages tab', () => {
  it('lists the messages from msg.page, each with its direction, time, size, summary and pair, under the framing recognised', async () => {
    const { w, fake } = await mountView()
    expect(w.text()).toContain('RESP — recognised')
    expect(w.find('[role="status"]').text()).toBe('4 messages')
    expect(options(w).map((o) => o.attributes('aria-label'))).toEqual([
      'client → server: #1, 12:00:00.001, 27 B, SET k v, #3 (answered by #3)',
      'client → server: #2, 12:00:00.001, 20 B, GET k, #4 (answered by #4)',
      'server → client: #3, 12:00:00.002, 5 B, +OK, #1 (answers #1)',
      'server → client: #4, 12:00:00.003, 7 B, incomplete · "v", #2 (answers #2)'
    ])
    const first = options(w)[0]
    expect(first.classes()).toContain('dir-client')
    expect(first.text()).toContain('↩ #3')
    // An incomplete message says so in the warning colour.
    expect(options(w)[3].find('.data').classes()).toContain('warn')
    // The list asked for pages, summaries only.
    const pages = fake.calls.filter((c) => c.cmd === 'msg.page')
    expect(pages[0].args).toMatchObject({ capture: 'live', connId: 5, from: 0 })
    expect(pages[0].args).not.toHaveProperty('fields')
  })

  it('shows a message chosen with its fields and bytes; a field chosen selects its bytes in the stream', async () => {
    const { w, selection, fake } = await mountView()
    const list = byLabel(w, 'Messages (4)')
    await list.trigger('keydown', { key: 'ArrowDown' })
    await settle()
    expect(list.attributes('aria-activedescendant')).toBe('stream-message-0')
    // The message's bytes are selected in every byte view; it is read again with its fields.
    expect(selection.range).toEqual({ dir: 'client', offset: 0, length: SET.length })
    expect(fake.calls.filter((c) => c.cmd === 'msg.page').at(-1)!.args).toMatchObject({ from: 0, limit: 1, fields: true })
    expect(w.text()).toContain('Message #1, client → server, RESP')
    const tree = byLabel(w, 'Fields of message #1')
    expect(tree.findAll('[role="treeitem"]').map((r) => r.text().replace(/\s+/g, ' '))).toEqual([
      '▾ command 3 arguments @0+27',
      'SET @4+9',
      'k @13+7',
      'v @20+7'
    ].map((s, i) => (i === 0 ? s : `argument ${i} ${s}`)))
    // The bytes pane shows the message from its first byte.
    const bytes = byLabel(w, 'Bytes of message #1')
    expect(bytes.text()).toContain('2a 33 0d 0a')
    // Enter in the list goes to the fields; the keys walk them; Enter chooses one.
    await list.trigger('keydown', { key: 'Enter' })
    expect(document.activeElement).toBe(tree.findAll('[role="treeitem"]')[0].element)
    await tree.trigger('keydown', { key: 'ArrowDown' })
    await tree.trigger('keydown', { key: 'ArrowDown' })
    await tree.trigger('keydown', { key: 'Enter' })
    await settle()
    // "argument 2" (k) is at 13 in the message, which is at 0 in the client's stream.
    expect(selection.range).toEqual({ dir: 'client', offset: 13, length: 7 })
    expect(bytes.find('.sel').exists()).toBe(true)
    // Escape goes back to the list.
    await tree.trigger('keydown', { key: 'Escape' })
    expect(document.activeElement).toBe(list.element)

    // A server message's field lands in the server's stream, at the message's offset plus its own.
    await list.trigger('keydown', { key: 'End' })
    await list.trigger('keydown', { key: 'ArrowUp' })
    await settle()
    await byLabel(w, 'Fields of message #3').find('[role="treeitem"]').trigger('click')
    expect(selection.range).toEqual({ dir: 'server', offset: 0, length: 5 })
  })

  it('goes to a message\'s pair from the row and from its fields', async () => {
    const { w, selection } = await mountView()
    await options(w)[1].find('.pair').trigger('click')
    await settle()
    expect(byLabel(w, 'Messages (4)').attributes('aria-activedescendant')).toBe('stream-message-3')
    expect(selection.range).toEqual({ dir: 'server', offset: 5, length: 7 })
    await w.find('button[aria-label="Go to message #2"]').trigger('click')
    await settle()
    expect(byLabel(w, 'Messages (4)').attributes('aria-activedescendant')).toBe('stream-message-1')
  })

  it('passes the filter words to the engine, and shows its refusal under the box', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { w, fake } = await mountView()
    const box = w.find('input[aria-label="Filter messages"]')
    await box.setValue('dir:client cmd:SET')
    vi.advanceTimersByTime(200)
    await settle()
    expect(fake.calls.filter((c) => c.cmd === 'msg.page').at(-1)!.args).toMatchObject({ filter: 'dir:client cmd:SET' })
    expect(options(w, 'Messages (1)').map((o) => o.attributes('aria-label'))).toEqual(['client → server: #1, 12:00:00.001, 27 B, SET k v, #3 (answered by #3)'])
    expect(w.find('[role="status"]').text()).toBe('1 of 4 messages')

    await box.setValue('bogus:1')
    vi.advanceTimersByTime(200)
    await settle()
    const alert = w.find('[role="alert"]')
    expect(alert.text()).toBe('bogus: is no message filter word; use dir:, cmd:, fn:, text:')
    expect(box.attributes('aria-invalid')).toBe('true')
    expect(box.attributes('aria-describedby')).toBe(alert.attributes('id'))
  })

  it('says a raw connection with no framing reads as a stream, and offers Decode as…', async () => {
    const { w } = await mountView('en', { source: 'none' })
    expect(w.text()).toContain('No framing: the bytes read as a stream. Choose Decode as… to cut them into messages.')
    expect(w.find('[role="listbox"]').exists()).toBe(false)
    const buttons = w.findAll('button').filter((b) => b.text() === 'Decode as…')
    expect(buttons).toHaveLength(1)
    await buttons[0].trigger('click')
    expect(useMessagesStore().decodeAs).toMatchObject({ capture: 'live', conn: { id: 5 }, framing: 'none', source: 'none' })
  })

  it('says where a framing came from: Decode as…, or the proxy\'s --frame, never a traffic rule, in English and Chinese', async () => {
    const cases: Array<['en' | 'zh-CN', string, MessagePage['source'], string]> = [
      ['en', 'length:size=2', 'chosen', 'length:size=2 — chosen with Decode as…'],
      ['en', 'ksy:blob.ksy', 'owner', 'ksy:blob.ksy — set on proxy p1 (--frame)'],
      ['en', 'ksy:blob.ksy', 'ownerChosen', 'ksy:blob.ksy — chosen with Decode as… for every connection of p1'],
      ['zh-CN', 'length:size=2', 'chosen', 'length:size=2 — 通过“解码为…”选择'],
      ['zh-CN', 'ksy:blob.ksy', 'owner', 'ksy:blob.ksy — 在代理 p1 上设置（--frame）'],
      ['zh-CN', 'ksy:blob.ksy', 'ownerChosen', 'ksy:blob.ksy — 通过“解码为…”为 p1 的所有连接选择']
    ]
    for (const [language, framing, source, header] of cases) {
      pinia = createPinia()
      const { w } = await mountView(language, { framing, source })
      expect(w.text()).toContain(header)
      expect(w.text()).not.toMatch(/rule|规则/)
      w.unmount()
      mounted.length = 0
    }
  })

  it('offers the filter words of the connection\'s own protocol, not redis\'s on every one, in English and Chinese', async () => {
    const filterBox = (w: VueWrapper, label: string) => w.find(`input[aria-label="${label}"]`)
    const cases: Array<[string, 'en' | 'zh-CN', string, string]> = [
      ['resp', 'en', 'Filter messages', 'cmd:SET'],
      ['postgres', 'en', 'Filter messages', 'cmd:Query'],
      ['mysql', 'en', 'Filter messages', 'cmd:COM_QUERY'],
      ['mqtt', 'en', 'Filter messages', 'cmd:PUBLISH'],
      ['modbus', 'en', 'Filter messages', 'fn:3'],
      ['dns', 'en', 'Filter messages', 'cmd:MX'],
      ['postgres', 'zh-CN', '过滤消息', 'cmd:Query']
    ]
    for (const [framing, language, label, cmd] of cases) {
      pinia = createPinia()
      const { w } = await mountView(language, { framing })
      const box = filterBox(w, label)
      expect(box.attributes('placeholder')).toContain(cmd)
      expect(box.attributes('title')).toContain(cmd)
      if (framing !== 'resp') expect(`${box.attributes('placeholder')} ${box.attributes('title')}`).not.toMatch(/cmd:(SET|PING)\b/)
      w.unmount()
      mounted.length = 0
    }
    // A framing of bytes names no commands: no cmd: offered.
    pinia = createPinia()
    const plain = filterBox((await mountView('en', { framing: 'length:size=2', source: 'chosen' })).w, 'Filter messages')
    expect(plain.attributes('placeholder')).toBe('dir:client text:foo -text:ping')
    expect(plain.attributes('title')).not.toMatch(/cmd:/)
  })

  it('grows as a live connection does, the message chosen staying chosen', async () => {
    let shown = 2
    const { w } = await mountView('en', { shown: () => shown })
    expect(options(w, 'Messages (2)')).toHaveLength(2)
    await options(w, 'Messages (2)')[0].trigger('click')
    shown = 4
    useEngineStore().applyBatches([{ type: 'batch', data: [{ connId: 5, dir: 'server', offset: 0, length: 12 }] } as never])
    await settle()
    expect(options(w)).toHaveLength(4)
    expect(byLabel(w, 'Messages (4)').attributes('aria-activedescendant')).toBe('stream-message-0')
  })

  it('shows the message a row holds after a live connection\'s messages are numbered again, not the one it held', async () => {
    // While the stream is open a message in error waits last; when it ends it moves to its place
    // in time and those after it move up one: row 1 keeps its index but holds another message.
    setActivePinia(pinia)
    const line = (index: number, dir: 'client' | 'server', offset: number, summary: string): StreamMessage => ({ index, dir, protocol: 'line', range: { dir, offset, length: 4 }, time: T + index, summary })
    let all = [line(0, 'client', 0, 'ping'), line(1, 'server', 0, 'pong'), { ...line(2, 'client', 4, 'cut'), error: 'cut' }]
    const fake = fakeTransport({
      'conn.get': () => [{ ...conn(5, 'raw'), protocol: { protocol: 'raw', carries: 'line' } }],
      'msg.page': ({ from = 0, limit = 100 }) => ({ connId: 5, framing: 'line', source: 'chosen', from, total: all.length, of: all.length, messages: all.slice(from, from + limit), problems: [] }),
      'conn.read': ({ length }) => new Uint8Array(length)
    })
    useEngineStore().attach(fake.transport)
    const selection = useSelectionStore()
    selection.select(5)
    await settle()
    const w = mount(MessagesView, { props: { conn: selection.conn!, capture: 'live' }, global: { plugins: [pinia, createAppI18n('en')] }, attachTo: document.body })
    mounted.push(w)
    await settle()
    await options(w, 'Messages (3)')[1].trigger('click')
    await settle()
    expect(useMessagesStore().current?.summary).toBe('pong')
    all = [line(0, 'client', 0, 'ping'), { ...line(1, 'client', 4, 'cut'), error: 'cut' }, line(2, 'server', 0, 'pong')]
    useEngineStore().applyBatches([{ type: 'batch', data: [{ connId: 5, dir: 'client', offset: 4, length: 0 }] } as never])
    await settle()
    // The panel, the bytes selected and the row agree: all of them the message now at row 1.
    expect(useMessagesStore().current).toMatchObject({ index: 1, dir: 'client', range: { offset: 4 }, summary: 'cut' })
    expect(selection.range).toEqual({ dir: 'client', offset: 4, length: 4 })
  })

  it('shows a row chosen by a key before its page came, once it comes (End on a long list)', async () => {
    setActivePinia(pinia)
    const many: StreamMessage[] = Array.from({ length: 450 }, (_, i) => ({ index: i, dir: 'client', protocol: 'line', range: { dir: 'client', offset: i * 4, length: 4 }, time: T, summary: `line ${i}` }))
    const fake = fakeTransport({
      'conn.get': () => [{ ...conn(5, 'raw'), protocol: { protocol: 'raw', carries: 'line' } }],
      'msg.page': ({ from = 0, limit = 100 }) => ({ connId: 5, framing: 'line', source: 'chosen', from, total: many.length, of: many.length, messages: many.slice(from, from + limit), problems: [] }),
      'conn.read': ({ length }) => new Uint8Array(length)
    })
    useEngineStore().attach(fake.transport)
    const selection = useSelectionStore()
    selection.select(5)
    await settle()
    const w = mount(MessagesView, { props: { conn: selection.conn!, capture: 'live' }, global: { plugins: [pinia, createAppI18n('en')] }, attachTo: document.body })
    mounted.push(w)
    await settle()
    await byLabel(w, 'Messages (450)').trigger('keydown', { key: 'End' })
    await settle()
    expect(useMessagesStore().current?.summary).toBe('line 449')
    expect(selection.range).toEqual({ dir: 'client', offset: 449 * 4, length: 4 })
  })

  it("says a .ksy message's errors in Chinese, in its row and under its title, and as the engine said them in English", async () => {
    // As msg.page gives them (test/core/front/engine-words.test.ts holds these wordings to the engine's).
    const eof = 'the stream ended inside this blob_msg message: EOFError: requested 3 bytes, but only 2 bytes available'
    const notParsed = 'does not parse as blob_msg: EOFError: requested 1 bytes, but only 0 bytes available'
    const skipped = 'not a blob_msg message: ValidationNotEqualError: not equal, expected [170,85], but got [1,2]; 3 bytes skipped'
    const blob = (index: number, offset: number, length: number, summary: string, more: Partial<StreamMessage>): StreamMessage => ({ index, dir: 'client', protocol: 'ksy', range: { dir: 'client', offset, length }, time: T + index, summary, ...more })
    const all = [blob(0, 0, 3, skipped, { error: skipped }), blob(1, 3, 7, `${notParsed} — blob_msg msg_type=2`, { error: notParsed }), blob(2, 10, 8, 'blob_msg msg_type=1 len=2', { error: eof, incomplete: true })]
    const rows: Record<'en' | 'zh-CN', string[]> = { en: [], 'zh-CN': [] }
    for (const language of ['en', 'zh-CN'] as const) {
      pinia = createPinia()
      setActivePinia(pinia)
      const fake = fakeTransport({
        'conn.get': () => [{ ...conn(5, 'raw'), protocol: { protocol: 'raw' } }],
        'msg.page': ({ from = 0, limit = 100 }) => ({ connId: 5, framing: 'ksy:blob.ksy', source: 'chosen', from, total: all.length, of: all.length, messages: all.slice(from, from + limit), problems: [] }),
        'conn.read': ({ length }) => new Uint8Array(length)
      })
      useEngineStore().attach(fake.transport)
      const selection = useSelectionStore()
      selection.select(5)
      await settle()
      const w = mount(MessagesView, { props: { conn: selection.conn!, capture: 'live' }, global: { plugins: [pinia, createAppI18n(language)] }, attachTo: document.body })
      mounted.push(w)
      await settle()
      const list = byLabel(w, language === 'en' ? 'Messages (3)' : '消息（3）')
      rows[language] = list.findAll('[role="option"]').map((o) => o.attributes('aria-label')!)
      await list.findAll('[role="option"]')[2].trigger('click')
      await settle()
      const detail = byLabel(w, language === 'en' ? 'Message fields' : '消息字段')
      if (language === 'en') expect(detail.text()).toContain(eof)
      else {
        expect(detail.text()).toContain('数据流在此 blob_msg 消息中途结束：EOFError：需要读取 3 个字节，但只剩 2 个字节')
        expect(detail.text()).not.toContain('requested')
      }
    }
    expect(rows.en).toEqual([
      `client → server: #1, 12:00:00.000, 3 B, ${skipped} · ${skipped}`,
      `client → server: #2, 12:00:00.001, 7 B, ${notParsed} · ${notParsed} — blob_msg msg_type=2`,
      `client → server: #3, 12:00:00.002, 8 B, incomplete ${eof} · blob_msg msg_type=1 len=2`
    ])
    const skippedZh = '不是 blob_msg 消息：ValidationNotEqualError：值不符，应为 [170,85]，实际为 [1,2]；跳过了 3 个字节'
    const notParsedZh = '无法按 blob_msg 解析：EOFError：需要读取 1 个字节，但只剩 0 个字节'
    expect(rows['zh-CN']).toEqual([
      `客户端 → 服务器：#1 12:00:00.000 3 B ${skippedZh} · ${skippedZh}`,
      `客户端 → 服务器：#2 12:00:00.001 7 B ${notParsedZh} · ${notParsedZh} — blob_msg msg_type=2`,
      '客户端 → 服务器：#3 12:00:00.002 8 B 不完整 数据流在此 blob_msg 消息中途结束：EOFError：需要读取 3 个字节，但只剩 2 个字节 · blob_msg msg_type=1 len=2'
    ])
  })

  it('speaks Chinese', async () => {
    const { w } = await mountView('zh-CN')
    expect(w.text()).toContain('RESP — 自动识别')
    expect(byLabel(w, '过滤消息').exists()).toBe(true)
    expect(options(w, '消息（4）')[0].attributes('aria-label')).toBe('客户端 → 服务器：#1 12:00:00.001 27 B SET k v #3 (由 #3 应答)')
    expect(w.findAll('button').some((b) => b.text() === '解码为…')).toBe(true)
  })
})

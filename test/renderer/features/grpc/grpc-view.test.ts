// @vitest-environment jsdom
// A gRPC exchange in the HTTP tab, over a fake engine: it opens on the call (method, status
// named, not OK in the warning colour), both sides' messages in the order sent, and the chosen
// message's fields as a tree the keys walk, a field's bytes shown where the sum is right;
// .proto files loaded by a typed path name the fields; the HTTP panes are one radio away.
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { HttpExchange } from '../../../../src/shared/protocol-types'
import type { GrpcCall, GrpcMessage, GrpcMessagePage, ProtoField } from '../../../../src/shared/grpc-types'
import { fakeDecodingEngine, messageOf, settle, T } from '../http/http-fixtures'
import { mountHttpView } from '../http/mount-http-view'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  mounted.splice(0).forEach((w) => w.unmount())
})

const REQ_HEAD = 'POST /pkg.Items/Get HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/grpc-web+proto\r\n\r\n'
const RES_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/grpc-web+proto\r\n\r\n'
const exchange: HttpExchange = {
  index: 0,
  request: messageOf('client', REQ_HEAD, 0, 16),
  informational: [],
  response: messageOf('server', RES_HEAD, 0, 40),
  state: 'complete'
}

const field = (f: Partial<ProtoField> & Pick<ProtoField, 'number' | 'kind' | 'value' | 'offset' | 'length'>): ProtoField => ({
  wire: 'varint',
  valueOffset: f.offset + 1,
  valueLength: f.length - 1,
  ...f
})

function messages(named: boolean): { request: GrpcMessage[]; response: GrpcMessage[] } {
  const n = <T extends object>(name: string, v: T): T => (named ? { ...v, name } : v)
  const request: GrpcMessage[] = [
    {
      index: 0,
      dir: 'client',
      contentOffset: 0,
      // Prefix and payload together: the fields' bytes are placed by offset.
      range: { dir: 'client', offset: REQ_HEAD.length, length: 5 + 11 },
      size: 11,
      compressed: false,
      complete: true,
      startedAt: T + 10,
      ...(named ? { type: 'pkg.GetRequest' } : {}),
      fields: [
        field(n('id', { number: 1, wire: 'len', kind: 'string', value: 'abc', offset: 0, length: 5 })),
        field({
          ...n('page', { number: 2, wire: 'len', kind: 'message', value: '', offset: 5, length: 6 }),
          children: [field({ ...n('size', { number: 1, kind: 'varint', value: '150', offset: 0, length: 3 }), readings: [{ as: 'zigzag', value: '75' }] })]
        })
      ]
    }
  ]
  const response: GrpcMessage[] = [
    {
      index: 0,
      dir: 'server',
      contentOffset: 0,
      range: { dir: 'server', offset: RES_HEAD.length, length: 5 + 8 },
      size: 8,
      compressed: true,
      decodedSize: 20,
      complete: true,
      startedAt: T + 30,
      fields: [field(n('name', { number: 1, wire: 'len', kind: 'string', value: 'widget', offset: 0, length: 8 }))]
    },
    { index: 1, dir: 'server', contentOffset: 13, size: 0, compressed: false, complete: true, startedAt: T + 40, fields: [] }
  ]
  return { request, response }
}

const CALL: GrpcCall = { kind: 'grpc-web', method: '/pkg.Items/Get', status: 5, statusName: 'NOT_FOUND', message: 'no such item', statusFrom: 'trailer-frame' }

async function mountGrpc(language: 'en' | 'zh-CN' = 'en') {
  let loaded = false
  const fake = fakeDecodingEngine(
    5,
    { exchanges: [exchange], protocol: 'http1', streams: { client: new Uint8Array(200), server: new Uint8Array(200) } },
    {
      'grpc.messages': ({ part, from = 0, limit = 100 }): GrpcMessagePage => {
        const all = messages(loaded)[part]
        return {
          call: part === 'request' ? { ...CALL, status: undefined, statusName: undefined, message: undefined } : CALL,
          part,
          from,
          total: all.length,
          messages: all.slice(from, from + limit),
          complete: true,
          problems: part === 'response' ? ['the response body ends inside a message (3 of 10 bytes)'] : []
        }
      },
      'grpc.protos': () => ({ files: [], methods: [], types: 0 }),
      'grpc.protos.load': ({ paths }) => {
        loaded = paths.length > 0
        return loaded ? { files: ['/protos/items.proto'], methods: ['/pkg.Items/Get', '/pkg.Items/List'], types: 3 } : { files: [], methods: [], types: 0 }
      }
    }
  )
  const { w, selection } = await mountHttpView(pinia, fake.transport, mounted, language)
  return { w, selection, fake }
}

const byLabel = (w: VueWrapper, label: string) => w.find(`[aria-label="${label}"]`)
const messageRows = (w: VueWrapper, label = 'gRPC messages (3)') => byLabel(w, label).findAll('[role="option"]')
const treeRows = (w: VueWrapper) => w.findAll('[role="treeitem"]')
const cells = (row: ReturnType<VueWrapper['find']>) => row.findAll('span').map((s) => s.text())

describe('the gRPC view of an exchange', () => {
  it('opens on the call: its method, and a status that is not OK named in the warning colour', async () => {
    const { w } = await mountGrpc()
    expect(byLabel(w, 'Exchange view').find('[aria-checked="true"]').text()).toBe('gRPC')
    const call = w.get('.call')
    expect(call.text()).toContain('gRPC-Web')
    expect(call.text()).toContain('/pkg.Items/Get')
    const status = call.findAll('span').find((s) => s.text().startsWith('grpc-status'))!
    expect(status.text()).toBe('grpc-status 5 NOT_FOUND: no such item')
    expect(status.classes()).toContain('warn')
    expect(w.text()).toContain('the response body ends inside a message (3 of 10 bytes)')
    // Enter in the exchanges goes to the call's messages.
    await w.findAll('[role="listbox"]')[0].trigger('keydown', { key: 'Enter' })
    expect(document.activeElement).toBe(byLabel(w, 'gRPC messages (3)').element)
  })

  it('lists both sides\' messages in the order sent, each in its direction\'s colour, with size, flag and fields at a glance', async () => {
    const { w } = await mountGrpc()
    const rows = messageRows(w)
    expect(rows.map((r) => r.attributes('aria-label'))).toEqual([
      'client → server: message 1, 12:00:00.010, 11 B, 1: "abc" 2: {…}',
      'server → client: message 1, 12:00:00.030, 8 B → 20 B, compressed, 1: "widget"',
      'server → client: message 2, 12:00:00.040, 0 B'
    ])
    expect(rows.map((r) => r.classes().find((c) => c.startsWith('dir-')))).toEqual(['dir-client', 'dir-server', 'dir-server'])
    expect(cells(rows[0])).toEqual(['1', '→', '12:00:00.010', '11 B', '', '', '1: "abc" 2: {…}'])
  })

  it('shows the chosen message\'s fields as a tree the keys walk, and a field\'s bytes in the stream', async () => {
    const { w, selection } = await mountGrpc()
    await messageRows(w)[0].trigger('click')
    await settle()
    // Choosing the message shows its bytes.
    expect(selection.range).toEqual({ dir: 'client', offset: REQ_HEAD.length, length: 16 })
    const tree = byLabel(w, 'Fields of message 1')
    expect(tree.attributes('role')).toBe('tree')
    // The nested message opens at first, its child one level down; the other reading is dim.
    expect(treeRows(w).map((r) => [r.attributes('aria-level'), r.attributes('aria-expanded'), r.text().replace(/\s+/g, ' ')])).toEqual([
      ['1', undefined, '1 string "abc"'],
      ['1', 'true', '▾ 2 message'],
      ['2', undefined, '1 varint 150 zigzag 75']
    ])
    expect(treeRows(w)[2].findAll('.dim').map((s) => s.text())).toContain('zigzag 75')
    // Down to the nested field, Enter: its bytes are the payload's (5 bytes after the prefix) plus the offsets.
    const first = treeRows(w)[0]
    ;(first.element as HTMLElement).focus()
    await first.trigger('keydown', { key: 'End' })
    await nextTick()
    expect(document.activeElement).toBe(treeRows(w)[2].element)
    await treeRows(w)[2].trigger('keydown', { key: 'Enter' })
    // The child's offset is within its parent's value, as the engine gives it: the sum is the payload's start plus it.
    expect(selection.range).toEqual({ dir: 'client', offset: REQ_HEAD.length + 5 + 0, length: 3 })
    expect(treeRows(w)[2].attributes('aria-selected')).toBe('true')
    // Left goes to the parent, left again closes it.
    await treeRows(w)[2].trigger('keydown', { key: 'ArrowLeft' })
    await nextTick()
    expect(document.activeElement).toBe(treeRows(w)[1].element)
    await treeRows(w)[1].trigger('keydown', { key: 'ArrowLeft' })
    await nextTick()
    expect(treeRows(w).length).toBe(2)
    expect(treeRows(w)[1].attributes('aria-expanded')).toBe('false')
    await treeRows(w)[1].trigger('keydown', { key: 'ArrowRight' })
    await nextTick()
    expect(treeRows(w).length).toBe(3)
  })

  it('does not mark a compressed message\'s fields in the byte views, and says why', async () => {
    const { w, selection } = await mountGrpc()
    await messageRows(w)[1].trigger('click')
    await settle()
    const before = selection.range
    await treeRows(w)[0].trigger('click')
    expect(selection.range).toEqual(before)
    expect(byLabel(w, 'Message fields').text()).toContain('Compressed: its fields are in the inflated bytes')
    expect(byLabel(w, 'Message fields').text()).toContain('8 B · compressed, 20 B inflated')
  })

  it('loads a .proto by a typed path, then names the fields and the type, and unloads it', async () => {
    const { w, fake } = await mountGrpc()
    expect(w.get('.protos summary').text()).toContain('no .proto loaded: fields by number')
    await byLabel(w, '.proto file path').setValue('/protos/items.proto')
    await w.get('.protos form').trigger('submit')
    await settle()
    expect(fake.calls.filter((c) => c.cmd === 'grpc.protos.load').map((c) => c.args)).toEqual([{ paths: ['/protos/items.proto'] }])
    expect(w.get('.protos summary').text()).toContain('1 file, 2 methods')
    expect(byLabel(w, 'Loaded .proto files').text()).toBe('/protos/items.proto')
    await messageRows(w)[0].trigger('click')
    await settle()
    expect(treeRows(w).map((r) => r.text().replace(/\s+/g, ' '))).toEqual(['1 id string "abc"', '▾ 2 page message', '1 size varint 150 zigzag 75'])
    expect(messageRows(w)[0].attributes('aria-label')).toContain('pkg.GetRequest')
    await w.findAll('button').find((b) => b.text() === 'Unload all')!.trigger('click')
    await settle()
    expect(fake.calls.filter((c) => c.cmd === 'grpc.protos.load').at(-1)!.args).toEqual({ paths: [] })
    expect(w.get('.protos summary').text()).toContain('no .proto loaded')
  })

  it('shows an engine\'s refusal to load a .proto next to the path', async () => {
    const { w, fake } = await mountGrpc()
    const failing = fake.transport.call.bind(fake.transport)
    fake.transport.call = ((cmd: string, ...rest: unknown[]) =>
      cmd === 'grpc.protos.load' ? Promise.reject(new Error('/nope.proto: no such file')) : (failing as (...a: unknown[]) => unknown)(cmd, ...rest)) as never
    await byLabel(w, '.proto file path').setValue('/nope.proto')
    await w.get('.protos form').trigger('submit')
    await settle()
    expect(w.get('#grpc-proto-problem').text()).toBe('/nope.proto: no such file')
    expect(byLabel(w, '.proto file path').attributes('aria-invalid')).toBe('true')
  })

  it('goes to the HTTP panes and back by the view radio', async () => {
    const { w } = await mountGrpc()
    const http = byLabel(w, 'Exchange view').findAll('[role="radio"]').find((b) => b.text() === 'HTTP')!
    await http.trigger('click')
    await settle()
    expect(byLabel(w, 'Request').exists()).toBe(true)
    expect(w.find('.grpc-view').exists()).toBe(false)
  })

  it('says it in Chinese', async () => {
    const { w } = await mountGrpc('zh-CN')
    expect(byLabel(w, '交换视图').exists()).toBe(true)
    expect(w.get('.protos summary').text()).toContain('加载 .proto…')
    expect(messageRows(w, 'gRPC 消息（3）')[1].attributes('aria-label')).toBe('服务器 → 客户端：消息 1 12:00:00.030 8 B → 20 B 已压缩 1: "widget"')
    expect(byLabel(w, '.proto 文件路径').exists()).toBe(true)
  })
})

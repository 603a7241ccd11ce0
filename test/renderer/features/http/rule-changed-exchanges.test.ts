// @vitest-environment jsdom
// The HTTP view of exchanges whose delivery tcpscope changed, over a fake engine: a request
// edited at a breakpoint opens as it was forwarded, its pane titled as edited at that
// breakpoint, with the original a switch away (As sent) and the edit's dialog a button away,
// in English and Chinese; its row lists the size forwarded, as it opens, the size sent in the
// cell's title, both from one read of what was forwarded; a request a rule's mock answered
// lists the size the client received, and offers what it delivered only where that is not
// the stream itself (a proxy's, not a server session's).
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import type { DeliveredView } from '../../../../src/shared/delivered-types'
import type { HttpExchange } from '../../../../src/shared/protocol-types'
import { conn, fakeDecodingEngine, latin1, messageOf, settle, T, type FakeConnection } from './http-fixtures'
import { mountHttpView } from './mount-http-view'

let pinia: Pinia
const mounted: VueWrapper[] = []
beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => mounted.splice(0).forEach((w) => w.unmount()))

const ORIGINAL = 'POST /login HTTP/1.1\r\nhost: api.test\r\ncontent-length: 18\r\n\r\nuser=bob&pass=PASS'
const EDITED = 'POST /login?v=2 HTTP/1.1\r\nhost: api.test\r\nx-edited: yes\r\ncontent-length: 20\r\n\r\nuser=bob&pass=LONGER'
const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'
const head = (s: string): string => s.slice(0, s.indexOf('\r\n\r\n') + 4)

let seq = 0
const ev = (e: Partial<CaptureEvent>): CaptureEvent => ({ seq: ++seq, kind: 'data', time: T, mono: 0, ...e })

async function mountView(c: FakeConnection, more: Parameters<typeof fakeDecodingEngine>[2], language: 'en' | 'zh-CN' = 'en') {
  const t = fakeDecodingEngine(5, c, more)
  const { w } = await mountHttpView(pinia, t.transport, mounted, language)
  return { w, t }
}

describe('a request edited at a breakpoint', () => {
  const request = messageOf('client', head(ORIGINAL), 0, 18)
  const exchange: HttpExchange = { index: 0, request, informational: [], response: messageOf('server', head(ANSWER), 0, 2), state: 'complete' }
  const edit = { rule: 'b1', held: 1, action: 'edited', message: `edited: ${ORIGINAL.length} B → ${EDITED.length} B after 4.2 s`, offset: 0, size: ORIGINAL.length, heldMs: 4200, sent: btoa(EDITED), sentSize: EDITED.length }
  const events = [
    ev({ kind: 'open' }),
    ev({ dir: 'client', offset: 0, length: ORIGINAL.length }),
    ev({ kind: 'break', dir: 'client', info: { rule: 'b1', held: 1, action: 'held', message: 'held 78 B (POST /login) by b1', offset: 0, size: ORIGINAL.length } }),
    ev({ kind: 'break', dir: 'client', info: edit }),
    ev({ dir: 'server', offset: 0, length: ANSWER.length })
  ]
  const forwarded = messageOf('client', head(EDITED), 0, 20)
  const delivered: DeliveredView = {
    notes: [`the request as the target got it: breakpoint b1: ${edit.message}`],
    local: false,
    request: { message: forwarded, body: new TextEncoder().encode('user=bob&pass=LONGER'), content: { form: 'form', codings: [], size: 20 } as never }
  }
  const c: FakeConnection = { exchanges: [exchange], bodies: { '0:request': { content: latin1('user=bob&pass=PASS') } }, streams: { client: latin1(ORIGINAL), server: latin1(ANSWER) } }
  const handlers = {
    'conn.events': ({ from = 0, limit = 1000 }: { from?: number; limit?: number }) => ({ from, total: events.length, events: events.slice(from, from + limit) }),
    'http.delivered': () => delivered
  }

  it('opens as forwarded, says it was edited, and keeps the original a switch and a button away', async () => {
    const { w } = await mountView(c, handlers)
    const line = w.find('.rule-line')
    expect(line.text()).toContain(`breakpoint b1: edited: ${ORIGINAL.length} B → ${EDITED.length} B`)
    const panes = w.findAll('section')
    expect(panes[0].text()).toContain('Request, as forwarded: edited at breakpoint b1')
    expect(panes[0].text()).toContain('POST /login?v=2 HTTP/1.1')
    expect(panes[0].text()).toContain('x-edited')
    // The switch has a name, and As sent is the original, as the client sent it.
    const switcher = w.find('[role="radiogroup"][aria-label="Show the exchange"]')
    expect(switcher.exists()).toBe(true)
    const asSent = switcher.findAll('[role="radio"]').find((r) => r.text() === 'As sent')!
    expect(asSent.attributes('aria-checked')).toBe('false')
    await asSent.trigger('click')
    await settle()
    const sentPane = w.findAll('section')[0]
    expect(sentPane.text()).toContain('POST /login HTTP/1.1')
    expect(sentPane.text()).not.toContain('x-edited')
    // The edit itself: the held bytes beside those forwarded.
    const show = w.findAll('button').find((b) => b.text() === 'Show the edit')!
    await show.trigger('click')
    await settle()
    const dialog = document.body.querySelector('dialog')!
    expect(dialog.getAttribute('aria-label')).toBe('Edited by breakpoint b1')
    expect(dialog.textContent).toContain('pass=LONGER')
    expect(dialog.textContent).toContain('pass=PASS')
  })

  it('lists the size forwarded, as it opens, with the size sent a pointer away', async () => {
    const { w } = await mountView(c, handlers)
    const row = w.get('[role="option"]')
    // Sent, as forwarded (20 B), not as the client sent it (18 B); the row's name says what it shows.
    const sent = row.findAll('.num')[1]
    expect(sent.text()).toBe('20 B')
    expect(sent.attributes('title')).toBe('As sent: 18 B')
    expect(row.attributes('aria-label')).toContain('20 B')
    expect(row.attributes('aria-label')).not.toContain('18 B')
    // What it opens: the request as forwarded, its body that size.
    expect(w.findAll('section')[0].text()).toContain('20 B')
  })

  it("reads what was forwarded once: the row's size and the exchange opened share it, also after As sent and back", async () => {
    let reads = 0
    const { w } = await mountView(c, {
      ...handlers,
      'http.delivered': () => {
        reads++
        return delivered
      }
    })
    expect(w.findAll('section')[0].text()).toContain('POST /login?v=2 HTTP/1.1')
    expect(w.get('[role="option"]').findAll('.num')[1].text()).toBe('20 B')
    expect(reads).toBe(1)
    const radios = w.find('[role="radiogroup"][aria-label="Show the exchange"]').findAll('[role="radio"]')
    await radios.find((r) => r.text() === 'As sent')!.trigger('click')
    await settle()
    expect(w.findAll('section')[0].text()).toContain('POST /login HTTP/1.1')
    await radios.find((r) => r.text() !== 'As sent')!.trigger('click')
    await settle()
    expect(w.findAll('section')[0].text()).toContain('POST /login?v=2 HTTP/1.1')
    expect(reads).toBe(1)
  })

  it('says so in Chinese too', async () => {
    const { w } = await mountView(c, handlers, 'zh-CN')
    expect(w.findAll('section')[0].text()).toContain('请求（按转发的）：在断点 b1 处修改')
    expect(w.find('.rule-line').text()).toContain('断点 b1')
    expect(w.get('[role="option"]').findAll('.num')[1].attributes('title')).toBe('按发送：18 B')
  })
})

describe('a request a mock answered', () => {
  /** The exchange of request `get`, answered by rule r1 (`label`) as `message` says, the client getting `got`. */
  const mockedExchange = (get: string, label: string, message: string, got: NonNullable<HttpExchange['answeredBy']>['got']): HttpExchange => ({
    index: 0,
    request: messageOf('client', get, 0, 0, 'none'),
    informational: [],
    state: 'complete',
    answeredBy: { rule: 'r1', label, action: 'respond', message, got }
  })

  it('lists the size of the answer the client received, and the status it answered with', async () => {
    const get = 'GET /api/user HTTP/1.1\r\nhost: api.test\r\n\r\n'
    const mocked = mockedExchange(get, 'mock the user', 'answered GET /api/user with 201 (not sent to the target)', { status: 201, contentType: 'application/json', size: 20, at: T + 12 })
    const events = [
      ev({ kind: 'open' }),
      ev({ dir: 'client', offset: 0, length: get.length }),
      ev({ kind: 'rule', dir: 'client', info: { rule: 'r1', label: 'mock the user', action: 'respond', message: mocked.answeredBy!.message, offset: 0, size: get.length, deliveredSize: 120, delivered: btoa('HTTP/1.1 201 Created\r\ncontent-length: 20\r\n\r\n{"name":"from-rule"}') } })
    ]
    const { w } = await mountView(
      { exchanges: [mocked], streams: { client: latin1(get), server: new Uint8Array(0) } },
      { 'conn.events': ({ from = 0, limit = 1000 }: { from?: number; limit?: number }) => ({ from, total: events.length, events: events.slice(from, from + limit) }) }
    )
    const row = w.find('[role="option"]')
    expect(row.text()).toContain('201 (mock)')
    expect(row.text()).toContain('20 B')
    expect(row.attributes('aria-label') ?? row.text()).toContain('20 B')
  })

  it("offers what the mock delivered on a proxy's connection (a link, and As sent / As delivered), and not on a server session's, whose answer is its own stream", async () => {
    const get = 'GET /m HTTP/1.1\r\nhost: api.test\r\n\r\n'
    const answer = 'HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n'
    const message = 'answered GET /m with 201'
    const mocked = mockedExchange(get, 'mock', message, { status: 201, size: 0, at: T + 12 })
    const events = [
      ev({ kind: 'open' }),
      ev({ dir: 'client', offset: 0, length: get.length }),
      ev({ kind: 'rule', dir: 'client', info: { rule: 'r1', label: 'mock', action: 'respond', message, offset: 0, size: get.length, deliveredSize: answer.length, delivered: btoa(answer) } })
    ]
    const offers = async (kind: 'proxy' | 'server'): Promise<{ links: number; switches: number }> => {
      pinia = createPinia()
      const { w } = await mountView(
        { exchanges: [mocked], streams: { client: latin1(get), server: new Uint8Array(0) } },
        {
          'conn.get': () => [{ ...conn(5), kind }],
          'conn.events': ({ from = 0, limit = 1000 }: { from?: number; limit?: number }) => ({ from, total: events.length, events: events.slice(from, from + limit) })
        }
      )
      // What the rule did is said either way.
      expect(w.find('.rule-line').text()).toContain(message)
      return {
        links: w.findAll('button').filter((b) => b.text() === 'Show what was delivered').length,
        switches: w.findAll('[role="radiogroup"][aria-label="Show the exchange"]').length
      }
    }
    expect(await offers('proxy')).toEqual({ links: 1, switches: 1 })
    expect(await offers('server')).toEqual({ links: 0, switches: 0 })
  })
})

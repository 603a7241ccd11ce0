// @vitest-environment jsdom
// The structured request editor as the HTTP replay uses it: a request opened untouched
// writes nothing back (the replay stays byte-exact); a change of a field, a header added,
// removed or moved is written back as the whole request's bytes with only that changed; a
// header that cannot be written as one line is a problem until fixed; a request the parts
// cannot hold exactly shows the parser's one line; and bytes from outside (Revert) are shown.
import { mount, type VueWrapper } from '@vue/test-utils'
import { nextTick } from 'vue'
import { afterEach, describe, expect, it } from 'vitest'
import StructuredRequestEditor from '../../../../../src/renderer/src/features/replay/http/StructuredRequestEditor.vue'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const text = (b: Uint8Array | undefined): string => String.fromCharCode(...(b ?? []))

/** As Node's http client writes it: header case as given, Connection last. */
const REQUEST = 'POST /items?x=1 HTTP/1.1\r\nHost: echo.test\r\nX-Echo: captured\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello'

const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

function setup(bytes = latin1(REQUEST), kind: 'request' | 'response' = 'request') {
  const w = mount(StructuredRequestEditor, {
    props: { modelValue: bytes, kind, 'onUpdate:modelValue': (b: Uint8Array) => w.setProps({ modelValue: b }) },
    global: { plugins: [createAppI18n('en')] },
    attachTo: document.body
  })
  mounted.push(w)
  const input = (name: string) => w.find<HTMLInputElement>(`input[aria-label="${name}"]`)
  const button = (name: string) => w.find<HTMLButtonElement>(`button[aria-label="${name}"]`)
  const written = (): string | undefined => {
    const all = w.emitted<[Uint8Array]>('update:modelValue')
    return all ? text(all.at(-1)![0]) : undefined
  }
  const problem = (): string | undefined => w.emitted<[string | undefined]>('problem')?.at(-1)?.[0]
  return { w, input, button, written, problem }
}

describe('StructuredRequestEditor', () => {
  it('shows the request as its parts and writes nothing back while untouched', () => {
    const { input, w, written } = setup()
    expect(input('Method').element.value).toBe('POST')
    expect(input('Request target').element.value).toBe('/items?x=1')
    expect(input('Version').element.value).toBe('HTTP/1.1')
    expect(w.findAll('tbody tr').map((r) => r.findAll('input').map((i) => (i.element as HTMLInputElement).value))).toEqual([
      ['Host', 'echo.test'],
      ['X-Echo', 'captured'],
      ['Content-Length', '5'],
      ['Connection', 'keep-alive']
    ])
    expect(written()).toBeUndefined()
  })

  it('writes a changed header value back with every other byte as it was', async () => {
    const { input, written } = setup()
    await input('Header 2 value (X-Echo)').setValue('edited')
    expect(written()).toBe(REQUEST.replace('X-Echo: captured', 'X-Echo: edited'))
    await input('Method').setValue('PUT')
    expect(written()).toBe(REQUEST.replace('X-Echo: captured', 'X-Echo: edited').replace('POST', 'PUT'))
  })

  it('adds, removes and moves headers', async () => {
    const { w, input, button, written } = setup()
    await button('Move header 2 (X-Echo) up').trigger('click')
    expect(written()).toBe(REQUEST.replace('Host: echo.test\r\nX-Echo: captured', 'X-Echo: captured\r\nHost: echo.test'))
    await button('Remove header 4 (Connection)').trigger('click')
    expect(written()).not.toContain('Connection')
    const add = w.findAll('button').find((b) => b.text() === 'Add header')!
    await add.trigger('click')
    await input('Header 4 name').setValue('X-New')
    await input('Header 4 value (X-New)').setValue('1')
    expect(written()).toBe('POST /items?x=1 HTTP/1.1\r\nX-Echo: captured\r\nHost: echo.test\r\nContent-Length: 5\r\nX-New: 1\r\n\r\nhello')
  })

  it('says what keeps a header from being written as one line, until it is fixed', async () => {
    const { input, problem } = setup()
    await input('Header 2 name').setValue('X Echo:')
    expect(problem()).toMatch(/^header 2 \(X Echo:\): the name has a colon$/)
    expect(input('Header 2 name').attributes('aria-invalid')).toBe('true')
    await input('Header 2 name').setValue('X-Echo')
    expect(problem()).toBeUndefined()
  })

  it('fits Content-Length to an edited body', async () => {
    const { w, written } = setup()
    const fit = w.findAll('button').find((b) => b.text() === 'Fit Content-Length')!
    // The body as edited elsewhere (Raw), then fitted here.
    await w.setProps({ modelValue: latin1(REQUEST + ' world') })
    await fit.trigger('click')
    expect(written()).toBe(REQUEST.replace('Content-Length: 5', 'Content-Length: 11') + ' world')
  })

  it('shows the parser’s one line for a request the parts cannot hold exactly', () => {
    const { w, written } = setup(latin1('GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n'))
    expect(w.find('[role="alert"]').text()).toMatch(/^Not shown as parts: line 2 ends with a bare LF but line 1 with CRLF: mixed line endings cannot be kept exactly\. Edit it in Raw or Hex\.$/)
    expect(w.find('input').exists()).toBe(false)
    expect(written()).toBeUndefined()
  })

  it('shows bytes that come from outside, as after Revert', async () => {
    const { w, input } = setup()
    await input('Header 2 value (X-Echo)').setValue('edited')
    await w.setProps({ modelValue: latin1(REQUEST) })
    await nextTick()
    expect(input('Header 2 value (X-Echo)').element.value).toBe('captured')
  })
})

describe('StructuredRequestEditor on a response (the Held queue)', () => {
  const RESPONSE = 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nnope'

  it('shows the status line, headers and body, writes nothing while untouched, and writes a changed status exactly', async () => {
    const { input, w, written, problem } = setup(latin1(RESPONSE), 'response')
    expect(input('Version').element.value).toBe('HTTP/1.1')
    expect(input('Status').element.value).toBe('404')
    expect(input('Reason').element.value).toBe('Not Found')
    expect(w.find('table[aria-label="Response headers"]').exists()).toBe(true)
    expect(w.findAll('tbody tr').map((r) => r.findAll('input').map((i) => (i.element as HTMLInputElement).value))).toEqual([
      ['Content-Type', 'text/plain'],
      ['Content-Length', '4']
    ])
    expect(written()).toBeUndefined()
    await input('Status').setValue('503')
    await input('Reason').setValue('Service Unavailable')
    expect(written()).toBe(RESPONSE.replace('404 Not Found', '503 Service Unavailable'))
    await input('Status').setValue('5x3')
    expect(problem()).toBe('the status is not three digits')
  })

  it('fits Content-Length to an edited body, as for a request', async () => {
    const fit = (w: VueWrapper) => w.findAll('button').find((b) => b.text() === 'Fit Content-Length')!.trigger('click')
    const { w, written } = setup(latin1(RESPONSE), 'response')
    await fit(w)
    expect(written()).toBe(RESPONSE)
    const again = setup(latin1(RESPONSE.replace('nope', 'no way')), 'response')
    await fit(again.w)
    expect(again.written()).toBe(RESPONSE.replace('Content-Length: 4', 'Content-Length: 6').replace('nope', 'no way'))
  })

  it("shows the parser's line for what is not a response", () => {
    const { w } = setup(latin1(REQUEST), 'response')
    expect(w.find('[role="alert"]').text()).toContain('line 1 is not VERSION STATUS REASON')
  })
})

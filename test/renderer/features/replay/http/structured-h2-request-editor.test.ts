// @vitest-environment jsdom
// The structured editor on an HTTP/2 request's text form: no start line, the pseudo-headers
// as the first rows (not flagged for their colon), a change written back as the text form,
// and a pseudo-header moved below a regular header told as the problem it is.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import StructuredRequestEditor from '../../../../../src/renderer/src/features/replay/http/StructuredRequestEditor.vue'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const text = (b: Uint8Array | undefined): string => String.fromCharCode(...(b ?? []))
const REQUEST = ':method: POST\n:scheme: https\n:authority: api.test\n:path: /v1/items\ncontent-type: application/json\n\n{"name":"x"}'

const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

function setup() {
  const w = mount(StructuredRequestEditor, {
    props: { modelValue: latin1(REQUEST), kind: 'h2request' as const, 'onUpdate:modelValue': (b: Uint8Array) => w.setProps({ modelValue: b }) },
    global: { plugins: [createAppI18n('en')] },
    attachTo: document.body
  })
  mounted.push(w)
  const written = (): string | undefined => {
    const all = w.emitted<[Uint8Array]>('update:modelValue')
    return all ? text(all.at(-1)![0]) : undefined
  }
  return { w, written, problem: () => w.emitted<[string | undefined]>('problem')?.at(-1)?.[0] }
}

describe('StructuredRequestEditor, HTTP/2', () => {
  it('shows the pseudo-headers as the first rows, with no start line, and writes nothing while untouched', () => {
    const { w, written } = setup()
    expect(w.find('input[aria-label="Method"]').exists()).toBe(false)
    expect(w.findAll('tbody tr').map((r) => r.findAll('input').map((i) => (i.element as HTMLInputElement).value))).toEqual([
      [':method', 'POST'],
      [':scheme', 'https'],
      [':authority', 'api.test'],
      [':path', '/v1/items'],
      ['content-type', 'application/json']
    ])
    expect(w.findAll('tr.bad')).toHaveLength(0)
    expect(w.find('[role="alert"]').exists()).toBe(false)
    expect(written()).toBeUndefined()
  })

  it('writes a change back as the text form, and tells a pseudo-header below a regular one', async () => {
    const { w, written, problem } = setup()
    await w.find<HTMLInputElement>('input[aria-label="Header 4 value (:path)"]').setValue('/v2/items')
    expect(written()).toBe(REQUEST.replace('/v1/items', '/v2/items'))
    expect(problem()).toBeUndefined()
    await w.find('button[aria-label="Move header 4 (:path) down"]').trigger('click')
    expect(problem()).toBe('line 5 (:path): a pseudo-header must come before every regular header')
  })
})

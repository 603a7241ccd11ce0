// @vitest-environment jsdom
// The byte editor as the replay panels use it: it shows the bytes (CR and line ends visible),
// hands back exactly the bytes typed, refuses hex it cannot read and says where, leaves
// Ctrl+Enter to the panel, and takes new bytes from outside without fighting the typing.
import { mount, type VueWrapper } from '@vue/test-utils'
import { nextTick } from 'vue'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runScopeHandlers } from '@codemirror/view'
import { undo } from '@codemirror/commands'
import ByteEditor from '../../../../../src/renderer/src/features/replay/editor/ByteEditor.vue'
import { createAppI18n } from '../../../../../src/renderer/src/platform/i18n'
import { useRangeRects, viewOf } from '../../../codemirror-jsdom'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)

useRangeRects()

const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

type Props = { modelValue: Uint8Array; mode: 'text' | 'hex'; label?: string; readonly?: boolean; newline?: '\r\n' | '\n' }

function mountEditor(props: Props, locale: 'en' | 'zh-CN' = 'en'): VueWrapper {
  const w = mount(ByteEditor, {
    props: { label: 'Request', ...props, 'onUpdate:modelValue': (b: Uint8Array) => w.setProps({ modelValue: b }) },
    global: { plugins: [createAppI18n(locale)] },
    attachTo: document.body
  })
  mounted.push(w)
  return w
}

async function setup(props: Props, locale: 'en' | 'zh-CN' = 'en') {
  const w = mountEditor(props, locale)
  const view = await viewOf(w)
  const type = (text: string, at = view.state.selection.main.head): void => {
    view.dispatch({ changes: { from: at, insert: text }, selection: { anchor: at + text.length }, userEvent: 'input.type' })
  }
  const lastBytes = (): Uint8Array | undefined => w.emitted<[Uint8Array]>('update:modelValue')?.at(-1)?.[0]
  const lastProblem = (): string | undefined => w.emitted<[string | undefined]>('problem')?.at(-1)?.[0]
  return { w, view, type, lastBytes, lastProblem }
}

const key = (k: string, ctrl = false): KeyboardEvent => new KeyboardEvent('keydown', { key: k, ctrlKey: ctrl, bubbles: true, cancelable: true })

describe('ByteEditor', () => {
  it('is a textbox named by its label, with CR a character and every line end marked', async () => {
    const { w, view } = await setup({ modelValue: enc('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), mode: 'text' })
    const box = w.element.querySelector('[role="textbox"]')!
    expect(box.getAttribute('aria-label')).toBe('Request')
    expect(view.state.doc.lines).toBe(4)
    expect(view.state.doc.line(1).text).toBe('GET / HTTP/1.1\r')
    expect(w.element.querySelectorAll('.cm-byte-eol').length).toBeGreaterThanOrEqual(3 + 3)
    expect(w.text()).toContain('UTF-8')
  })

  it('marks tabs, and names zero-width and other invisible characters', async () => {
    const { w } = await setup({ modelValue: enc('X-A:\tb\u200bc\u202e'), mode: 'text' })
    expect(w.findAll('.cm-highlightTab').length).toBe(1)
    expect(w.findAll('.cm-byte-special').map((s) => s.text())).toEqual(['U+200B', 'U+202E'])
  })

  it('emits the bytes typed; Enter inserts CRLF by default and LF when asked', async () => {
    const { view, type, lastBytes } = await setup({ modelValue: enc('GET / HTTP/1.1\r\n\r\n'), mode: 'text' })
    type('X-A: 1', view.state.doc.line(2).from)
    expect(dec(lastBytes()!)).toBe('GET / HTTP/1.1\r\nX-A: 1\r\n')
    expect(runScopeHandlers(view, key('Enter'), 'editor')).toBe(true)
    expect(dec(lastBytes()!)).toBe('GET / HTTP/1.1\r\nX-A: 1\r\n\r\n')

    const lf = await setup({ modelValue: enc('a'), mode: 'text', newline: '\n' })
    lf.view.dispatch({ selection: { anchor: 1 } })
    runScopeHandlers(lf.view, key('Enter'), 'editor')
    expect(dec(lf.lastBytes()!)).toBe('a\n')
  })

  it('leaves Ctrl+Enter to the panel', async () => {
    const { w, view } = await setup({ modelValue: enc('a'), mode: 'text' })
    expect(runScopeHandlers(view, key('Enter', true), 'editor')).toBe(false)
    let seen = false
    w.element.addEventListener('keydown', (e: Event) => (seen = (e as KeyboardEvent).ctrlKey))
    view.contentDOM.dispatchEvent(key('Enter', true))
    expect(seen).toBe(true)
    expect(view.state.doc.toString()).toBe('a')
  })

  it('keeps bytes that are not UTF-8 byte for byte, and refuses characters Latin-1 cannot hold', async () => {
    const raw = new Uint8Array([0x41, 0xff, 0x00, 0x0d, 0x0a, 0x42])
    const { w, view, type, lastBytes, lastProblem } = await setup({ modelValue: raw, mode: 'text' })
    await nextTick()
    expect(w.text()).toContain('Latin-1')
    expect(w.element.textContent).toContain('\\x00')
    type('C', view.state.doc.length)
    expect(Array.from(lastBytes()!)).toEqual([0x41, 0xff, 0x00, 0x0d, 0x0a, 0x42, 0x43])
    const emitted = w.emitted('update:modelValue')!.length
    type('中', 0)
    expect(w.emitted('update:modelValue')!.length).toBe(emitted)
    expect(lastProblem()).toMatch(/Line 1, column 1: “中” is not a Latin-1 character/)
  })

  it('edits hex, reports bad hex with its line and column without emitting, and clears it when fixed', async () => {
    const { view, type, lastBytes, lastProblem, w } = await setup({ modelValue: Uint8Array.from({ length: 17 }, (_, i) => i), mode: 'hex' })
    expect(view.state.doc.toString()).toBe('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n10')
    type(' 0x4', view.state.doc.length)
    expect(lastBytes()).toBeUndefined()
    expect(lastProblem()).toBe('Line 2, column 6: this byte has one hex digit; every byte needs two.')
    type('1')
    expect(lastProblem()).toBeUndefined()
    expect(lastBytes()!.at(-1)).toBe(0x41)
    type('zz', 0)
    expect(lastProblem()).toMatch(/^Line 1, column 1: “z” is not a hex digit/)
    expect(w.emitted('update:modelValue')!.length).toBe(1)
  })

  it('says what is wrong in Chinese, and again when the language changes', async () => {
    const { w, type, lastProblem } = await setup({ modelValue: enc('a'), mode: 'hex' }, 'zh-CN')
    type('q', 0)
    expect(lastProblem()).toMatch(/^第 1 行第 1 列：“q”不是十六进制数字/)
    ;(w.vm.$i18n as unknown as { locale: string }).locale = 'en'
    await nextTick()
    expect(lastProblem()).toMatch(/^Line 1, column 1: “q” is not a hex digit/)
  })

  it('replaces the text when the bytes change from outside, but not when its own edit comes back', async () => {
    const { w, view, type } = await setup({ modelValue: enc('abc'), mode: 'text' })
    type('d', 3)
    await nextTick()
    expect(view.state.selection.main.head).toBe(4)
    expect(view.state.doc.toString()).toBe('abcd')
    undo(view)
    expect(view.state.doc.toString()).toBe('abc')
    await w.setProps({ modelValue: enc('new\r\nbody') })
    expect(view.state.doc.toString()).toBe('new\r\nbody')
    await w.setProps({ mode: 'hex' })
    expect(view.state.doc.toString()).toBe('6e 65 77 0d 0a 62 6f 64 79')
  })

  it('takes a small change from outside as that change: the caret and undo survive it', async () => {
    const { w, view, type } = await setup({ modelValue: enc('POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab'), mode: 'text' })
    type('c', view.state.doc.length)
    await nextTick()
    // The panel fits Content-Length to the body typed.
    await w.setProps({ modelValue: enc('POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc') })
    expect(view.state.doc.toString()).toBe('POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc')
    expect(view.state.selection.main.head).toBe(view.state.doc.length)
    undo(view)
    expect(view.state.doc.toString()).toBe('POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab')
    // The same bytes in a new array (a parent that re-parses) change nothing.
    const before = w.emitted('update:modelValue')!.length
    view.dispatch({ selection: { anchor: 20 } })
    const state = view.state
    await w.setProps({ modelValue: enc('POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab') })
    expect(w.emitted('update:modelValue')!.length).toBe(before)
    expect(view.state).toBe(state)
  })

  it('is read-only when asked, and past a MiB with a note', async () => {
    const ro = await setup({ modelValue: enc('abc'), mode: 'text', readonly: true })
    expect(ro.view.state.readOnly).toBe(true)
    expect(ro.view.contentDOM.getAttribute('aria-readonly')).toBe('true')
    expect(runScopeHandlers(ro.view, key('Enter'), 'editor')).toBe(false)
    await ro.w.setProps({ readonly: false })
    expect(ro.view.state.readOnly).toBe(false)
    expect(ro.view.contentDOM.getAttribute('aria-readonly')).toBe('false')
    const big = await setup({ modelValue: new Uint8Array(1024 * 1024 + 1).fill(0x61), mode: 'text' })
    expect(big.view.state.readOnly).toBe(true)
    expect(big.w.text()).toContain('read-only')
  })
})

describe('ByteEditor in a picked encoding', () => {
  it('shows bytes in the encoding picked in its status line, and hands back what is typed in it', async () => {
    // 你好 in GBK: not UTF-8, so shown as Latin-1 until GBK is picked.
    const gbk = Uint8Array.from([0x50, 0x3a, 0xc4, 0xe3, 0xba, 0xc3])
    const { w, view, type, lastBytes, lastProblem } = await setup({ modelValue: gbk, mode: 'text' })
    const pick = w.find<HTMLSelectElement>('select[aria-label="Text encoding"]')
    await nextTick()
    expect(pick.element.value).toBe('latin1')
    expect(pick.findAll('option').map((o) => o.text())).toEqual(['UTF-8', 'Latin-1', 'ASCII', 'UTF-16LE', 'GBK', 'GB18030', 'Shift_JIS'])
    await pick.setValue('gbk')
    expect(view.state.doc.toString()).toBe('P:你好')
    expect(lastBytes()).toBeUndefined()
    type('！', view.state.doc.length)
    expect(Array.from(lastBytes()!)).toEqual([...gbk, 0xa3, 0xa1])
    // A character GBK has no bytes for is a problem, said in one line.
    type('😀', view.state.doc.length)
    expect(lastProblem()).toMatch(/“😀” has no bytes in GBK/)
  })

  it('shows a byte that is no character of the encoding as \\xNN, and keeps it', async () => {
    const { w, view, type, lastBytes } = await setup({ modelValue: Uint8Array.from([0xc4, 0xe3, 0xff, 0x41]), mode: 'text' })
    await w.find<HTMLSelectElement>('select[aria-label="Text encoding"]').setValue('gbk')
    expect(w.findAll('.cm-byte-special').map((s) => s.text())).toEqual(['\\xff'])
    type('B', view.state.doc.length)
    expect(Array.from(lastBytes()!)).toEqual([0xc4, 0xe3, 0xff, 0x41, 0x42])
  })
})

// CodeMirror loads when the first editor is mounted (ui/useLazyView.ts): what happens to the
// component before its view is there.
describe('ByteEditor before its view has loaded', () => {
  it('builds the view from the props as they are when CodeMirror arrives, and follows them after', async () => {
    const w = mountEditor({ modelValue: enc('ab'), mode: 'text' })
    // The component's own box and status line are there at once.
    expect(w.find('.host').exists()).toBe(true)
    expect(w.text()).toContain('2 bytes')
    await w.setProps({ modelValue: enc('cd'), mode: 'hex', label: 'Body', readonly: true })
    const view = await viewOf(w)
    expect(view.state.doc.toString()).toBe('63 64')
    expect(view.contentDOM.getAttribute('aria-label')).toBe('Body')
    expect(view.state.readOnly).toBe(true)
    await w.setProps({ mode: 'text', label: 'Request', readonly: false })
    expect(view.state.doc.toString()).toBe('cd')
    expect(view.contentDOM.getAttribute('aria-label')).toBe('Request')
    expect(view.state.readOnly).toBe(false)
  })

  it('shows the text in an encoding picked before the view arrived', async () => {
    const w = mountEditor({ modelValue: Uint8Array.from([0x50, 0x3a, 0xc4, 0xe3, 0xba, 0xc3]), mode: 'text' })
    await w.find<HTMLSelectElement>('select[aria-label="Text encoding"]').setValue('gbk')
    const view = await viewOf(w)
    expect(view.state.doc.toString()).toBe('P:你好')
    expect(w.find<HTMLSelectElement>('select[aria-label="Text encoding"]').element.value).toBe('gbk')
  })

  it('takes the focus once it is there when the panel asked for it before', async () => {
    const w = mountEditor({ modelValue: enc('a'), mode: 'text' })
    ;(w.vm as unknown as { focus: () => void }).focus()
    const view = await viewOf(w)
    expect(document.activeElement).toBe(view.contentDOM)
  })

  it('makes no view when unmounted before CodeMirror arrives', async () => {
    const w = mountEditor({ modelValue: enc('a'), mode: 'text' })
    const root = w.element
    mounted.splice(mounted.indexOf(w), 1)
    w.unmount()
    await vi.dynamicImportSettled()
    await nextTick()
    expect(root.querySelector('.cm-editor')).toBeNull()
    expect(document.querySelector('.cm-editor')).toBeNull()
  })
})

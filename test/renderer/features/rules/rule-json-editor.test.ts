// @vitest-environment jsdom
// The rule's JSON editor: its box is there at once and CodeMirror's view arrives in it when its
// code has loaded, built from the text and names as they are then; typing updates the model,
// a text from outside replaces the doc, Ctrl+Enter asks the panel to submit.
import { mount, type VueWrapper } from '@vue/test-utils'
import { nextTick } from 'vue'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runScopeHandlers } from '@codemirror/view'
import RuleJsonEditor from '../../../../src/renderer/src/features/rules/RuleJsonEditor.vue'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { useRangeRects, viewOf } from '../../codemirror-jsdom'

useRangeRects()

const mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount()
})

function mountEditor(text: string): VueWrapper {
  const w = mount(RuleJsonEditor, {
    props: { label: 'Rule', modelValue: text, 'onUpdate:modelValue': (next: string) => w.setProps({ modelValue: next }) },
    global: { plugins: [createAppI18n('en')] },
    attachTo: document.body
  })
  mounted.push(w)
  return w
}

describe('RuleJsonEditor', () => {
  it('builds its view from the text and names as they are when CodeMirror arrives', async () => {
    const w = mountEditor('{}')
    expect(w.classes()).toContain('rule-editor')
    await w.setProps({ modelValue: '{"match":{}}', label: 'Rule 2', describedby: 'hint', invalid: true })
    const view = await viewOf(w)
    expect(view.state.doc.toString()).toBe('{"match":{}}')
    const box = w.get('[role="textbox"]').element
    expect(box.getAttribute('aria-label')).toBe('Rule 2')
    expect(box.getAttribute('aria-describedby')).toBe('hint')
    expect(box.getAttribute('aria-invalid')).toBe('true')
    await w.setProps({ label: 'Rule 3', invalid: false })
    expect(box.getAttribute('aria-label')).toBe('Rule 3')
    expect(box.hasAttribute('aria-invalid')).toBe(false)
  })

  it('hands back what is typed, takes a text from outside, and leaves Ctrl+Enter to the panel', async () => {
    const w = mountEditor('{}')
    const view = await viewOf(w)
    view.dispatch({ changes: { from: 1, insert: '"a":1' }, userEvent: 'input.type' })
    expect(w.emitted<[string]>('update:modelValue')!.at(-1)![0]).toBe('{"a":1}')
    expect(view.state.doc.toString()).toBe('{"a":1}')
    await w.setProps({ modelValue: '{"b":2}' })
    expect(view.state.doc.toString()).toBe('{"b":2}')
    expect(runScopeHandlers(view, new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true }), 'editor')).toBe(true)
    expect(w.emitted('submit')).toHaveLength(1)
  })

  it('takes the focus once it is there when asked before, and makes no view when unmounted first', async () => {
    const w = mountEditor('{}')
    ;(w.vm as unknown as { focus: () => void }).focus()
    const view = await viewOf(w)
    expect(document.activeElement).toBe(view.contentDOM)

    const gone = mountEditor('{}')
    const root = gone.element
    mounted.splice(mounted.indexOf(gone), 1)
    gone.unmount()
    await vi.dynamicImportSettled()
    await nextTick()
    expect(root.querySelector('.cm-editor')).toBeNull()
  })
})

// CodeMirror in jsdom: it measures short lines on an animation frame through a Range's client
// rects, which jsdom (no layout) lacks. The editors load CodeMirror when mounted, so their
// tests await it and a frame can pass while a view is open. An element's rects stand in for
// the tests of a file: empty, as jsdom gives for any element.
import { afterAll, beforeAll, expect, vi } from 'vitest'
import { nextTick } from 'vue'
import { EditorView } from '@codemirror/view'
import type { VueWrapper } from '@vue/test-utils'

export function useRangeRects(): void {
  beforeAll(() => {
    Range.prototype.getClientRects = () => document.createElement('span').getClientRects()
    Range.prototype.getBoundingClientRect = () => document.createElement('span').getBoundingClientRect()
  })
  afterAll(() => {
    delete (Range.prototype as Partial<Range>).getClientRects
    delete (Range.prototype as Partial<Range>).getBoundingClientRect
  })
}

/** CodeMirror's view in a mounted editor, once its code has loaded (the component imports it when mounted). */
export async function viewOf(w: VueWrapper): Promise<EditorView> {
  await vi.dynamicImportSettled()
  await nextTick()
  const dom = (w.element as HTMLElement).querySelector<HTMLElement>('.cm-editor')
  expect(dom).not.toBeNull()
  return EditorView.findFromDOM(dom!)!
}

// What the byte editor's text mode draws for bytes a text would hide: CR, and the line break
// at the end of each line, as small CR and LF labels (as the text view draws them: Unicode's
// ␍ ␊ Control Pictures are missing from many monospace fonts: Chromium on Linux drew them
// as empty boxes); other control and invisible characters as \xNN (a byte of a
// Latin-1 text, an ASCII control, or a byte that is no character of the encoding) or U+XXXX
// (a UTF-8 character), dim.

import { RangeSetBuilder, type Extension } from '@codemirror/state'
import { Decoration, EditorView, MatchDecorator, ViewPlugin, WidgetType, highlightSpecialChars, type DecorationSet, type ViewUpdate } from '@codemirror/view'
import { HEX } from '../../../../../shared/hexdump'
import type { EditorEncoding } from './editor-text'
import { ESCAPE_BASE, isEscape } from './editor-codecs'

export interface MarkerTitles {
  cr: string
  lf: string
  byte: (hex: string) => string
}

function marker(text: string, title: string, cls: string): HTMLElement {
  const el = document.createElement('span')
  el.className = cls
  el.textContent = text
  el.title = title
  return el
}

/** How a special character is written: one byte as \xNN, a UTF-8 character by its code point. */
export function specialCharText(code: number, encoding: EditorEncoding): string {
  if (code === 0x0d) return 'CR'
  // A byte that is no character of the encoding (editor-codecs.ts).
  if (isEscape(code)) return `\\x${HEX[code - ESCAPE_BASE]}`
  if (code < 0x80 || (encoding === 'latin1' && code <= 0xff)) return `\\x${HEX[code]}`
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

class LineEnd extends WidgetType {
  constructor(readonly title: string) {
    super()
  }
  eq(other: LineEnd): boolean {
    return other.title === this.title
  }
  toDOM(): HTMLElement {
    const el = marker('LF', this.title, 'cm-byte-eol')
    el.setAttribute('aria-hidden', 'true')
    return el
  }
}

/** An LF label after every line but the last (the last has no line break after it), in the visible part only. */
function lineEnds(title: string): Extension {
  const widget = Decoration.widget({ widget: new LineEnd(title), side: 1 })
  const build = (view: EditorView): DecorationSet => {
    const b = new RangeSetBuilder<Decoration>()
    const doc = view.state.doc
    for (const { from, to } of view.visibleRanges) {
      for (let pos = from; pos <= to; ) {
        const line = doc.lineAt(pos)
        if (line.number < doc.lines) b.add(line.to, line.to, widget)
        pos = line.to + 1
      }
    }
    return b.finish()
  }
  return ViewPlugin.fromClass(
    class {
      decorations: DecorationSet
      constructor(view: EditorView) {
        this.decorations = build(view)
      }
      update(u: ViewUpdate): void {
        if (u.docChanged || u.viewportChanged) this.decorations = build(u.view)
      }
    },
    { decorations: (p) => p.decorations }
  )
}

/**
 * Tabs with CodeMirror's own arrow (its cm-highlightTab style), keeping their width: a tab
 * and spaces would otherwise look the same, and a server may well tell them apart.
 */
const tabMarks = new MatchDecorator({ regexp: /\t/g, decoration: Decoration.mark({ class: 'cm-highlightTab' }) })
const visibleTabs = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet
    constructor(view: EditorView) {
      this.decorations = tabMarks.createDeco(view)
    }
    update(u: ViewUpdate): void {
      this.decorations = tabMarks.updateDeco(u, this.decorations)
    }
  },
  { decorations: (p) => p.decorations }
)

export function textModeMarkers(titles: MarkerTitles, encoding: EditorEncoding): Extension {
  return [
    highlightSpecialChars({
      // Bidirectional and zero-width characters CodeMirror leaves out: they would hide or
      // reorder bytes on screen. NBSP would pass for a space.
      // The stand-ins of bytes that are no character of the encoding too.
      addSpecialChars: /[\u00a0\u200c\u200d\u202a-\u202c\u2060\u2068\uf700-\uf7ff]/,
      render: (code) =>
        code === 0x0d
          ? marker('CR', titles.cr, 'cm-byte-eol')
          : marker(specialCharText(code, encoding), titles.byte(isEscape(code) ? HEX[code - ESCAPE_BASE] : code <= 0xff ? HEX[code] : `U+${code.toString(16).toUpperCase()}`), 'cm-byte-special')
    }),
    lineEnds(titles.lf),
    visibleTabs
  ]
}

/** Light and dark through the app's CSS variables (the dark class on :root switches them). */
export const byteEditorTheme = EditorView.theme({
  '&': { color: 'var(--fg)', backgroundColor: 'var(--bg)', fontSize: 'var(--fs)', height: '100%' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '18px', overflow: 'auto' },
  '.cm-content': { caretColor: 'var(--fg)', padding: '4px 0' },
  '.cm-line': { padding: '0 8px' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
  '.cm-content ::selection, &.cm-focused .cm-content ::selection': { backgroundColor: 'var(--select-bg)', color: 'var(--select-fg)' },
  // The text view's look for CR/LF and control labels (TextView.vue's .k-eol and .k-ctrl).
  '.cm-byte-eol': { color: 'var(--fg-dim)', fontSize: '0.78em', verticalAlign: '1px', margin: '0 1px', padding: '0 1px', userSelect: 'none' },
  '.cm-byte-special': { color: 'var(--fg-dim)', backgroundColor: 'var(--bg-raised)', borderRadius: '3px', fontSize: '0.78em', verticalAlign: '1px', margin: '0 1px', padding: '0 2px' }
})

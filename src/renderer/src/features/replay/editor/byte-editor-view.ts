// The byte editor's CodeMirror view (ByteEditor.vue is the component around it, its status
// line and its props). A module of its own so that CodeMirror loads when an editor is first
// shown (ui/useLazyView.ts), not with the page. Text is UTF-8 when the bytes are, else
// Latin-1, or in the encoding a person picked; in text mode every byte stays visible (CR and
// line ends as CR and LF labels, other control bytes and bytes that are no character of the
// encoding as \xNN): nothing is dropped or normalised, so an untouched text sends the
// recorded bytes.

import type { Ref } from 'vue'
import { Annotation, Compartment, EditorState, Prec, Transaction, type Extension } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { bytesToEditorText, bytesToHexText, editorTextToBytes, firstUnencodable, hexTextToBytes, type EditorEncoding } from './editor-text'
import { byteEditorTheme, textModeMarkers } from './editor-markers'
import { sameBytes } from '../../bytes/same-bytes'
import { ENCODING_LABELS } from '../../bytes/encodings'

type Translate = (key: string, named?: Record<string, unknown>) => string

/** What the view reads from its component (when it builds a state or checks an edit) and tells it. */
export interface ByteEditorIO {
  readonly props: { readonly mode: 'text' | 'hex'; readonly label: string; readonly newline: '\r\n' | '\n' }
  locked: () => boolean
  /** The encoding the text is in: set here whenever bytes are decoded; the status line shows it. */
  encoding: Ref<EditorEncoding>
  /** The encoding a person picked; none: UTF-8 when the bytes are, else Latin-1. */
  picked: Ref<EditorEncoding | undefined>
  t: Translate
  edited: (bytes: Uint8Array) => void
  problem: (message: string | undefined) => void
}

export interface ByteEditorView {
  /** New bytes from outside (the panel's, or its own edit coming back). */
  takeBytes(bytes: Uint8Array): void
  /** Shows the bytes afresh (another mode): a new state, so undo does not cross it. */
  replaceDoc(bytes: Uint8Array): void
  /** Another encoding picked: the bytes (the last valid ones) shown afresh in it. */
  repick(): void
  relock(): void
  relabel(): void
  /** The language changed: a standing problem is said again in it. */
  sayAgain(): void
  focus(): void
  destroy(): void
}

export function createByteEditorView(parent: HTMLElement, bytes: Uint8Array, io: ByteEditorIO): ByteEditorView {
  const { props, t } = io
  /** The bytes the doc shows (the last valid ones while a hex problem stands): when they come back as modelValue there is nothing to do. */
  let shown = bytes
  /** Marks a change that came from outside (not typed): it is not emitted back. */
  const fromOutside = Annotation.define<boolean>()
  let problem: string | undefined
  const lockSlot = new Compartment()
  const labelSlot = new Compartment()

  function docFor(b: Uint8Array): string {
    if (props.mode === 'hex') return bytesToHexText(b)
    const decoded = bytesToEditorText(b, io.picked.value)
    io.encoding.value = decoded.encoding
    return decoded.text
  }

  const modeExtension = (): Extension =>
    props.mode === 'text'
      ? textModeMarkers({ cr: t('replayParts.editor.cr'), lf: t('replayParts.editor.lf'), byte: (hex) => t('replayParts.editor.byte', { hex }) }, io.encoding.value)
      : []
  // Read-only, but still focusable: a person can move through a large request, select and copy it.
  const lockExtension = (): Extension => [EditorState.readOnly.of(io.locked()), EditorView.contentAttributes.of({ 'aria-readonly': String(io.locked()) })]
  // tabindex 0 says outright what contenteditable already does (it is in the tab order): where the
  // editor scrolls, the keyboard reaches what it scrolls (axe's scrollable-region-focusable).
  const labelExtension = (): Extension => EditorView.contentAttributes.of({ 'aria-label': props.label, 'aria-multiline': 'true', tabindex: '0' })

  function report(message: string | undefined): void {
    if (message === problem) return
    problem = message
    io.problem(message)
  }

  function whereIs(state: EditorState, at: number): { line: number; col: number } {
    const line = state.doc.lineAt(at)
    return { line: line.number, col: at - line.from + 1 }
  }

  /** The doc's bytes, or undefined after reporting why it makes none. */
  function bytesOf(state: EditorState): Uint8Array | undefined {
    const text = state.doc.toString()
    if (props.mode === 'hex') {
      const parsed = hexTextToBytes(text)
      if ('bytes' in parsed) return parsed.bytes
      const { kind, at } = parsed.problem
      const where = whereIs(state, at)
      report(kind === 'digit' ? t('replayParts.editor.hexDigit', { ...where, char: String.fromCodePoint(text.codePointAt(at)!) }) : t('replayParts.editor.hexOdd', where))
      return undefined
    }
    const encoding = io.encoding.value
    const bad = firstUnencodable(text, encoding)
    if (bad >= 0) {
      const where = { ...whereIs(state, bad), char: String.fromCodePoint(text.codePointAt(bad)!) }
      report(io.picked.value === undefined ? t('replayParts.editor.notLatin1', where) : t('replayParts.editor.notInEncoding', { ...where, encoding: ENCODING_LABELS[encoding] }))
      return undefined
    }
    return editorTextToBytes(text, encoding)
  }

  // Prec.high: before the default keymap's Enter, which would indent; Mod-Enter is left to the
  // panel (it sends), so it is taken out of the default keymap and not handled here.
  const enterKey = Prec.high(
    keymap.of([
      {
        key: 'Enter',
        run: (v) => {
          if (v.state.readOnly) return false
          v.dispatch(v.state.replaceSelection(props.mode === 'text' ? props.newline : '\n'), { scrollIntoView: true, userEvent: 'input' })
          return true
        }
      }
    ])
  )
  const keys = keymap.of([...defaultKeymap.filter((b) => b.key !== 'Mod-Enter'), ...historyKeymap])

  function stateFor(b: Uint8Array): EditorState {
    return EditorState.create({
      doc: docFor(b),
      extensions: [
        // '\n' alone breaks lines, so a CR stays a character of the text and is shown and sent.
        EditorState.lineSeparator.of('\n'),
        history(),
        enterKey,
        keys,
        EditorView.lineWrapping,
        byteEditorTheme,
        modeExtension(),
        lockSlot.of(lockExtension()),
        labelSlot.of(labelExtension()),
        EditorView.updateListener.of((u) => {
          if (!u.docChanged || u.transactions.some((tr) => tr.annotation(fromOutside))) return
          const typed = bytesOf(u.state)
          if (!typed) return
          report(undefined)
          shown = typed
          io.edited(typed)
        })
      ]
    })
  }

  const view = new EditorView({ state: stateFor(bytes), parent })

  function replaceDoc(b: Uint8Array): void {
    const head = view.state.selection.main.head
    view.setState(stateFor(b))
    shown = b
    view.dispatch({ selection: { anchor: Math.min(head, view.state.doc.length) } })
    report(undefined)
  }

  /**
   * A small change (the panel fitting Content-Length to the typed body) is applied as the
   * changed span only, so the caret and undo history map through it; a new request, or a
   * change of encoding, starts afresh.
   */
  function takeBytes(b: Uint8Array): void {
    if (b === shown || sameBytes(b, shown)) return
    const wasEncoding = io.encoding.value
    const now = view.state.doc.toString()
    const next = docFor(b)
    if (io.encoding.value !== wasEncoding) return replaceDoc(b)
    let from = 0
    const common = Math.min(now.length, next.length)
    while (from < common && now.charCodeAt(from) === next.charCodeAt(from)) from++
    let tail = 0
    while (tail < common - from && now.charCodeAt(now.length - 1 - tail) === next.charCodeAt(next.length - 1 - tail)) tail++
    if ((from + tail) * 2 < Math.max(now.length, next.length)) return replaceDoc(b)
    view.dispatch({
      changes: { from, to: now.length - tail, insert: next.slice(from, next.length - tail) },
      annotations: [fromOutside.of(true), Transaction.addToHistory.of(false)]
    })
    shown = b
    report(undefined)
  }

  return {
    takeBytes,
    replaceDoc,
    repick: () => replaceDoc(shown),
    relock: () => view.dispatch({ effects: lockSlot.reconfigure(lockExtension()) }),
    relabel: () => view.dispatch({ effects: labelSlot.reconfigure(labelExtension()) }),
    sayAgain: () => {
      if (problem === undefined) return
      problem = undefined
      if (bytesOf(view.state)) report(undefined)
    },
    focus: () => view.focus(),
    destroy: () => view.destroy()
  }
}

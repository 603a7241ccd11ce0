// The rule editor's CodeMirror view (RuleJsonEditor.vue is the component around it). A module
// of its own so that CodeMirror loads when the editor is first shown (ui/useLazyView.ts), not
// with the page. Tab leaves it, as in any field; Ctrl+Enter (Cmd+Enter) asks the panel to add
// or save the rule. A text set from outside (another rule to edit, a mock) replaces the doc
// and its undo history.

import { Compartment, EditorState, Prec } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { byteEditorTheme } from '../replay/editor/editor-markers'

/** What the view reads from its component (when it builds a state) and tells it. */
export interface RuleJsonIO {
  /** The content attributes: its name, what describes it, whether it is invalid. */
  attrs: () => Record<string, string>
  edited: (text: string) => void
  submit: () => void
}

export interface RuleJsonView {
  /** A text from outside: the doc replaced unless it is the text the doc already holds. */
  setText(text: string): void
  /** The name, description or validity changed. */
  reattr(): void
  focus(): void
  destroy(): void
}

export function createRuleJsonView(parent: HTMLElement, text: string, io: RuleJsonIO): RuleJsonView {
  /** The text the doc holds, as last emitted or set. */
  let shown = text
  const attrs = new Compartment()
  const attrsExtension = () => EditorView.contentAttributes.of(io.attrs())

  function stateFor(doc: string): EditorState {
    return EditorState.create({
      doc,
      extensions: [
        history(),
        Prec.high(keymap.of([{ key: 'Mod-Enter', run: () => (io.submit(), true) }])),
        keymap.of([...defaultKeymap.filter((b) => b.key !== 'Mod-Enter'), ...historyKeymap]),
        EditorView.lineWrapping,
        byteEditorTheme,
        attrs.of(attrsExtension()),
        EditorView.updateListener.of((u) => {
          if (!u.docChanged) return
          shown = u.state.doc.toString()
          io.edited(shown)
        })
      ]
    })
  }

  const view = new EditorView({ state: stateFor(text), parent })
  return {
    setText: (next) => {
      if (next === shown) return
      shown = next
      view.setState(stateFor(next))
    },
    reattr: () => view.dispatch({ effects: attrs.reconfigure(attrsExtension()) }),
    focus: () => view.focus(),
    destroy: () => view.destroy()
  }
}

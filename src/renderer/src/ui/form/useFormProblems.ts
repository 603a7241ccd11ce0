// A form's problems as the user reads them, and its submit: problems found before the
// call are shown without calling; an engine error goes next to the field it concerns
// (engine-error-fields.ts), and the first field with a problem gets the focus.

import { nextTick, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import type { PayloadSpec } from '../../../../shared/payload/payload-spec'
import { routeEngineError, type FieldRoute } from './engine-error-fields'
import type { Checked, FieldProblems } from './field-problems'
import { engineWords } from '../engine-words'

/** An error already known to concern one field (a payload checked before starting). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message)
  }
}

/** Checks each payload with the engine (payload.preview); the first that makes no bytes fails on its field. */
export async function checkPayloads(preview: (p: PayloadSpec) => Promise<unknown>, payloads: Array<{ field: string; payload: PayloadSpec }>): Promise<void> {
  for (const { field, payload } of payloads) {
    try {
      await preview(payload)
    } catch (err) {
      throw new FieldError(field, (err as Error).message)
    }
  }
}

export type ProblemText = (field: string) => string | undefined

export function useFormProblems() {
  const { t } = useI18n()
  const problems = ref<FieldProblems>({})
  const busy = ref(false)

  const problem: ProblemText = (field) => {
    const p = problems.value[field]
    if (!p) return undefined
    return 'text' in p ? engineWords(p.text, t) : t(p.key, p.params ?? {})
  }

  async function showProblems(found: FieldProblems): Promise<void> {
    problems.value = found
    await nextTick()
    document.querySelector<HTMLElement>('dialog[open] [aria-invalid="true"]')?.focus()
  }

  /** Runs the form's command with checked arguments; true when it succeeded. */
  async function submit<T>(check: Checked<T>, run: (args: T) => Promise<unknown>, routes: readonly FieldRoute[]): Promise<boolean> {
    if (busy.value) return false
    if (!check.ok) {
      await showProblems(check.problems)
      return false
    }
    busy.value = true
    problems.value = {}
    try {
      await run(check.args)
      return true
    } catch (err) {
      const routed = err instanceof FieldError ? { field: err.field, text: err.message } : routeEngineError(err, routes)
      await showProblems({ [routed.field]: { text: routed.text } })
      return false
    } finally {
      busy.value = false
    }
  }

  return { problems, busy, problem, submit }
}

// Building one message's field tree within its budget (MESSAGE_MAX_FIELDS): decoders add
// fields as they read, and a field past the budget is counted, not kept.

import { MESSAGE_MAX_FIELDS, type MessageField } from '../../../shared/message-types'
import { FieldBudget, field } from './field-values'
import type { Span } from './field-reader'

export class FieldTree {
  readonly fields: MessageField[] = []
  readonly budget = new FieldBudget(MESSAGE_MAX_FIELDS)

  /** Adds a field to `to` (the top level by default); returns it, or undefined past the budget. */
  add(name: string, value: string, span?: Span, to: MessageField[] = this.fields): MessageField | undefined {
    if (!this.budget.take()) return undefined
    const f = field(name, value, span?.offset, span?.length)
    to.push(f)
    return f
  }

  /** A field that groups others: add its children with `childrenOf`. */
  group(name: string, value: string, span?: Span, to: MessageField[] = this.fields): MessageField | undefined {
    const f = this.add(name, value, span, to)
    if (f) f.children = []
    return f
  }
}

/** Where a group's children go: its list, or a throwaway one once the budget is spent. */
export const childrenOf = (f: MessageField | undefined): MessageField[] => f?.children ?? []

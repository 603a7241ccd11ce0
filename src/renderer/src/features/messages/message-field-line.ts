// A raw-protocol message's field as a field tree's row (ui/tree/FieldTree.vue): the decoders
// name a field with its kind in brackets (`[1] (bulk string, 1 bytes)`), shown as the name in
// bold and the kind plain after it, and the row ends with where its bytes are.

import type { MessageField } from '../../../../shared/message-types'
import { fieldWhere, type FieldLine } from '../../ui/tree/field-line'

export function messageFieldLine(f: MessageField): FieldLine {
  const m = /^(.*?) (\(.*\))$/.exec(f.name)
  return { name: m ? m[1] : f.name, kind: m?.[2], value: f.value, cut: f.cut, where: fieldWhere(f) }
}

// A breakpoint's edit where what was delivered is shown (the Messages view's line, the byte
// views' marks): said as an edit at that breakpoint, in the page's language, not as a rewrite
// by a rule named "b1".
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../../../../src/renderer/src/platform/i18n'
import { actWords, type Translate } from '../../../../src/renderer/src/features/conversation/picture-labels'
import { spanWords } from '../../../../src/renderer/src/features/bytes/delivered-marks'
import type { RuleEventInfo } from '../../../../src/shared/rules/rule-types'
import type { DeliveredSpan } from '../../../../src/shared/delivered-stream-types'

const en = createAppI18n('en').global.t as Translate
const zh = createAppI18n('zh-CN').global.t as Translate

const edit: RuleEventInfo = { rule: 'b1', label: 'b1', action: 'rewrite', by: 'break', message: 'edited: 78 B → 99 B after 4.2 s', summary: 'POST /login' }
const rewrite: RuleEventInfo = { rule: 'r1', label: 'add header', action: 'rewrite', message: 'rewrote POST /login', summary: 'POST /login' }
const span = (by?: 'break'): DeliveredSpan => ({ at: 0, size: 99, sentOffset: 0, sentSize: 78, action: 'rewrite', rule: 'b1', label: 'b1', note: '', ...(by ? { by } : {}) })

describe('a breakpoint edit in words', () => {
  it('is an edit at its breakpoint, where a rule says what it did', () => {
    expect(actWords(en, edit)).toBe('Edited at breakpoint b1')
    expect(actWords(zh, edit)).toBe('在断点 b1 处修改')
    expect(actWords(en, rewrite)).toBe('rule add header: rewrote POST /login')
  })

  it('marks the bytes it changed as edited, in both languages', () => {
    expect(spanWords(en, span('break'))).toBe('Edited at breakpoint b1: what the receiver got instead of the 78 bytes sent')
    expect(spanWords(zh, span('break'))).toBe('在断点 b1 处修改：接收方收到的内容，代替了发送的 78 字节')
    expect(spanWords(en, span())).toBe('Rule "b1" (rewrite): what the receiver got instead of the 78 bytes sent')
  })
})

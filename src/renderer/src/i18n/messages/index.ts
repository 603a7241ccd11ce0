// The message files of each part of the UI; add a part here when it gets its own file.

import common from './common'
import list from './list'
import detail from './detail'
import sessions from './sessions'
import pictures from './pictures'

export interface MessagePart {
  en: Record<string, unknown>
  'zh-CN': Record<string, unknown>
}

export const messageParts = [common, list, detail, sessions, pictures] as unknown as Array<{ en: Record<string, string>; 'zh-CN': Record<string, string> }>

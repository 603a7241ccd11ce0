// The Replay tab's own messages (the modes, a replay's source, the TLS controls and a TLS
// failure said naming them) exist in both languages, key for key.
import { describe, expect, it } from 'vitest'
import messages from '../../../../src/renderer/src/platform/i18n/messages/replay'

type Tree = { [key: string]: string | Tree }
const keys = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)))

describe('replay tab messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(keys(messages['zh-CN'] as Tree).sort()).toEqual(keys(messages.en as Tree).sort())
  })
})

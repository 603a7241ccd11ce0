// `--edit-turn N=TEXT` and `--edit-turn-hex N=HEX` of a raw replay: client turn N (from 1,
// as the replay's output numbers them) sends these bytes instead of the recorded ones. TEXT
// takes the escapes --send does (\r \n \t \0 \xHH \\); HEX the hex --send-hex does.

import { MAX_EDITED_REQUEST, MAX_EDITED_TURNS } from '../../shared/replay-types'
import { UserError } from '../../shared/errors'
import type { CommandArgs } from '../../shared/contract'
import { buildPayload } from '../../core/payload/build-payload'
import { parseWhole, UsageError } from '../args'

export const EDIT_OPTIONS = {
  'edit-turn': { type: 'string', multiple: true, arg: 'N=TEXT', about: 'raw replay: send TEXT (escapes \\r \\n \\t \\0 \\xHH \\\\) as client turn N (from 1) instead of what was recorded' },
  'edit-turn-hex': { type: 'string', multiple: true, arg: 'N=HEX', about: 'raw replay: send these bytes, as hex, as client turn N (from 1)' }
} as const

/** Client turn `turn` (from 0) sends `bytes` instead of what was recorded, as replay.raw takes it. */
type TurnEdit = NonNullable<CommandArgs<'replay.raw'>['edits']>[number]

export interface EditValues {
  'edit-turn'?: string[]
  'edit-turn-hex'?: string[]
}

/** The edits the options give, turns counted from 0 as the engine takes them; malformed ones are usage errors. */
export async function turnEditsFrom(values: EditValues): Promise<TurnEdit[]> {
  const given = [...(values['edit-turn'] ?? []).map((v) => ['edit-turn', v] as const), ...(values['edit-turn-hex'] ?? []).map((v) => ['edit-turn-hex', v] as const)]
  if (given.length > MAX_EDITED_TURNS) throw new UsageError(`replay: at most ${MAX_EDITED_TURNS} turns can be edited, got ${given.length}`)
  const edits: TurnEdit[] = []
  for (const [flag, value] of given) {
    const eq = value.indexOf('=')
    if (eq < 0) throw new UsageError(`replay: --${flag} wants N=${flag === 'edit-turn' ? 'TEXT' : 'HEX'} (N: the turn, from 1), got "${value}"`)
    const turn = parseWhole('replay', value.slice(0, eq), `--${flag}'s turn`, 1)!
    let bytes: Buffer
    try {
      bytes = await buildPayload(flag === 'edit-turn' ? { kind: 'text', data: value.slice(eq + 1) } : { kind: 'hex', data: value.slice(eq + 1) })
    } catch (err) {
      if (err instanceof UserError) throw new UsageError(`replay: --${flag} ${turn}: ${err.message}`)
      throw err
    }
    if (bytes.length > MAX_EDITED_REQUEST) throw new UsageError(`replay: --${flag} ${turn} is ${bytes.length} bytes; an edited turn takes at most ${MAX_EDITED_REQUEST}`)
    edits.push({ turn: turn - 1, bytes })
  }
  return edits
}

// `tcpscope replay FILE --conn ID --by-message`: the connection's client messages sent one
// at a time (cut by its framing: --frame, else as `show` cuts it), each once its recorded
// answers came, printing per message what was sent, what came back and whether it matched;
// `--edit-message N=TEXT` (or `N=hex:…`) sends message N (numbered as `show` numbers it)
// differently, its lengths refit by the framing. The engine replays it (replay.messages).

import { MAX_CONN_ID } from '../../shared/limits'
import { MAX_EDITED_REQUEST, MAX_EDITED_TURNS, type MessageReplayResult, type MessageReplayStep } from '../../shared/replay-types'
import { formatBytes } from '../../shared/human-readable'
import { UserError } from '../../shared/errors'
import { buildPayload } from '../../core/payload/build-payload'
import { parseMs, parseWhole, requireString, UsageError } from '../args'
import { terminalSafe } from '../chunk-view'
import { EXIT } from '../exit-codes'
import { writeAll, type Io } from '../output'
import { replayTlsFrom } from '../tls-options'
import type { ReplayValues } from './replay-options'
import { replayConnection } from './replay-target'
import { checkStartFlags } from '../start-checks'

type MessageEdit = { message: number; bytes: Buffer }

async function messageEdits(values: ReplayValues): Promise<MessageEdit[]> {
  const given = values['edit-message'] ?? []
  if (given.length > MAX_EDITED_TURNS) throw new UsageError(`replay: at most ${MAX_EDITED_TURNS} messages can be edited, got ${given.length}`)
  const edits: MessageEdit[] = []
  for (const value of given) {
    const eq = value.indexOf('=')
    if (eq < 0) throw new UsageError(`replay: --edit-message wants N=TEXT or N=hex:HEX (N: the message, from 1), got "${value}"`)
    const n = parseWhole('replay', value.slice(0, eq), "--edit-message's message", 1)!
    const text = value.slice(eq + 1)
    let bytes: Buffer
    try {
      bytes = await buildPayload(text.startsWith('hex:') ? { kind: 'hex', data: text.slice(4) } : { kind: 'text', data: text })
    } catch (err) {
      if (err instanceof UserError) throw new UsageError(`replay: --edit-message ${n}: ${err.message}`)
      throw err
    }
    if (bytes.length > MAX_EDITED_REQUEST) throw new UsageError(`replay: --edit-message ${n} is ${bytes.length} bytes; an edited message takes at most ${MAX_EDITED_REQUEST}`)
    edits.push({ message: n - 1, bytes })
  }
  return edits
}

function stepText(s: MessageReplayStep): string {
  const head =
    s.message === undefined
      ? 'before the first message (the server spoke first)'
      : `message ${s.message + 1}${s.sent?.edited === true ? ' (edited)' : ''}: sent ${s.sent ? `${formatBytes(s.sent.size)} ${terminalSafe(s.sent.summary)}` : 'nothing (the connection was over)'}`
  const lines = [`${head}: ${s.matched ? 'matched' : 'differs'}`]
  for (const a of s.answers) {
    const got = a.got ? `${terminalSafe(a.got.summary)} (${formatBytes(a.got.size)})` : 'nothing'
    if (a.matched) lines.push(`  <- ${got}: matched`)
    else lines.push(`  <- ${got}: differs, recorded ${a.recorded ? `${terminalSafe(a.recorded.summary)} (${formatBytes(a.recorded.size)})` : 'nothing'}`)
  }
  return lines.join('\n') + '\n'
}

export async function runMessageReplay(values: ReplayValues, path: string, io: Io): Promise<number> {
  if (values.strategy !== undefined) throw new UsageError('replay: --by-message sends each message once its answers came; it takes no --strategy')
  const edited = (['edit-turn', 'edit-turn-hex'] as const).find((k) => values[k] !== undefined)
  if (edited) throw new UsageError(`replay: --${edited} edits a turn; with --by-message use --edit-message N=TEXT`)
  const id = parseWhole('replay', requireString('replay', values.conn, '--conn', 'a connection id from `tcpscope ls`'), '--conn', 1, MAX_CONN_ID)!
  const timeoutMs = parseMs('replay', values.timeout, '--timeout')
  if (values.frame !== undefined) checkStartFlags('replay', { frame: values.frame })
  const edits = await messageEdits(values)
  const tls = replayTlsFrom('replay', values)
  const result: MessageReplayResult = await replayConnection(path, id, values.target, io, ({ engine, capture }) =>
    engine['replay.messages']({
      capture,
      connId: id,
      target: values.target,
      timeoutMs,
      ...(values.frame !== undefined ? { frame: values.frame } : {}),
      edits,
      ...(values['no-fix-length'] === true ? { fixLength: false } : {}),
      tls,
      record: false
    })
  )
  if (values.json) await writeAll(io.out, JSON.stringify(result) + '\n')
  else {
    for (const s of result.steps) await writeAll(io.out, stepText(s))
    await writeAll(io.out, `${result.matched} of ${result.of} messages got the recorded answers (${result.framing})\n`)
  }
  return result.matched === result.of ? EXIT.ok : EXIT.differed
}

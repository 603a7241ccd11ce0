// Intercepted commands reach a front end as each one's latest state per batch, and their
// output coalesced: one chunk per command and stream, the last OUTPUT_TAIL_BYTES of what came
// since the last batch, with how much more there was.
import { describe, expect, it } from 'vitest'
import { EventBatcher } from '../../../src/core/front/event-batcher'
import type { EngineEvent, FrontEvent } from '../../../src/shared/events'
import type { InterceptedCommand } from '../../../src/shared/intercept-types'
import { OUTPUT_TAIL_BYTES } from '../../../src/shared/output-tail'
import { waitFor } from '../../helpers/net'

describe('commands in batches', () => {
  it("carries each command's latest state and its output coalesced and bounded", async () => {
    let listener: (e: EngineEvent) => void = () => undefined
    const sent: FrontEvent[] = []
    new EventBatcher({ subscribe: (l) => ((listener = l), () => undefined), captureList: () => [] }, { ready: () => true, send: (e) => sent.push(e) }, 5).start()
    const c1: InterceptedCommand = { commandId: 'c1', argv: ['curl', 'http://x/'], cwd: '/tmp', pid: 10, proxyId: 'p1', proxy: '127.0.0.1:1', interceptTls: false, state: 'running' }
    listener({ type: 'command-updated', command: c1 })
    listener({ type: 'command-output', commandId: 'c1', stream: 'stdout', text: 'a'.repeat(40_000), dropped: 0 })
    listener({ type: 'command-output', commandId: 'c1', stream: 'stderr', text: 'oops\n', dropped: 0 })
    listener({ type: 'command-output', commandId: 'c1', stream: 'stdout', text: 'b'.repeat(40_000), dropped: 0 })
    listener({ type: 'command-updated', command: { ...c1, state: 'exited', exitCode: 0, connections: 1 } })
    await waitFor(() => sent.length > 0, 'a batch')
    const extra = 80_000 - OUTPUT_TAIL_BYTES
    expect(sent).toEqual([
      {
        type: 'batch',
        commands: [{ ...c1, state: 'exited', exitCode: 0, connections: 1 }],
        output: [
          { commandId: 'c1', stream: 'stdout', text: 'a'.repeat(40_000 - extra) + 'b'.repeat(40_000), dropped: extra },
          { commandId: 'c1', stream: 'stderr', text: 'oops\n', dropped: 0 }
        ]
      }
    ])
  })
})

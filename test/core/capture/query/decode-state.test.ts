// decodeState: what decoding reads of a connection, taken from its row without building its
// summary. It must say what the summary says, live and from the file, however the connection
// ended (both sides' FIN, a reset, still open), and nothing for an id the capture lacks.
import { describe, expect, it, onTestFinished } from 'vitest'
import type { CaptureView } from '../../../../src/core/capture/query/capture-queries'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { proxiedPair, testEngine } from '../../../helpers/engine'
import { waitFor } from '../../../helpers/net'

/** Each connection's decodeState beside what its summary says of the same fields. */
async function compare(view: CaptureView): Promise<void> {
  const all = await view.listConnections()
  expect(all.length).toBe(3)
  for (const s of all) {
    expect(await view.decodeState(s.id)).toEqual({
      end: s.end,
      finClient: s.fin.client,
      finServer: s.fin.server,
      bytesClient: s.bytes.client,
      bytesServer: s.bytes.server,
      target: s.target,
      kind: s.kind
    })
  }
  expect(await view.decodeState(9_999)).toBeUndefined()
}

describe('a connection as its decoding sees it', () => {
  it('says what the summary says, live and reopened, for connections closed, reset and open', async () => {
    const t = await testEngine()
    onTestFinished(() => t.dispose())
    const closed = await proxiedPair(t.engine)
    onTestFinished(closed.close)
    closed.client.write('hello')
    closed.serverSide.write('world!')
    closed.client.end()
    closed.serverSide.end()
    const reset = await proxiedPair(t.engine)
    onTestFinished(reset.close)
    reset.serverSide.on('error', () => undefined)
    reset.client.write('x'.repeat(1000))
    reset.client.resetAndDestroy()
    const open = await proxiedPair(t.engine)
    onTestFinished(open.close)
    open.client.write('still here')
    const engine = t.engine
    await waitFor(() => {
      const conns = engine.capture.connections()
      return conns.length === 3 && conns.filter((c) => c.end !== 'open').length === 2 && conns.some((c) => c.end === 'open' && c.bytes.client === 10)
    }, 'two connections ended and the open one to have its 10 bytes')
    expect(engine.capture.connections().map((c) => c.end).sort()).toEqual(['client-reset', 'closed', 'open'])
    await compare(engine.capture)

    const path = t.capturePath
    await engine.close()
    const file = await FileCapture.open(path)
    onTestFinished(() => file.close())
    await compare(file)
  })
})

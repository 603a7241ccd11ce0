// `tcpscope replay FILE --conn ID --as-server --listen ...` on a capture file of a real curl
// exchange: prints where it plays, serves curl the recorded body, a line per client, stops
// on SIGINT with exit 0; a port in use is one line and exit 1.
import { afterEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../helpers/engine'
import { CliProcess, runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { startServer } from '../helpers/net'
import { needPeer } from '../helpers/peers'
import { curl } from '../core/decode/decode-peers'
import { captureCurlExchange, RECORDED_BODY } from '../core/replay/recorded-server-captures'

let t: TestEngine | undefined
let cli: CliProcess | undefined
afterEach(async () => {
  await cli?.stop('SIGKILL')
  cli = undefined
  await t?.dispose()
  t = undefined
})

async function capturedExchange(): Promise<{ file: string; connId: number }> {
  t = await testEngine()
  const connId = await captureCurlExchange(t.engine)
  await t.engine.close()
  return { file: t.capturePath, connId }
}

describe('tcpscope replay --as-server', () => {
  it('prints where it plays, serves curl the recorded response, a line per client, and stops on SIGINT', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { file, connId } = await capturedExchange()
    cli = new CliProcess(['replay', file, '--conn', String(connId), '--as-server', '--listen', '127.0.0.1:0'])
    const playing = await cli.waitLine((l) => l.startsWith('playing '))
    const [, port] = new RegExp(`^playing connection #${connId} \\(1 turn\\) on 127\\.0\\.0\\.1:(\\d+)$`).exec(playing)!
    expect(await curl([`http://127.0.0.1:${port}/items`])).toBe(RECORDED_BODY)
    const client = await cli.waitLine((l) => l.startsWith('client '))
    // curl's request names another port in its Host header: same length, other bytes.
    expect(client).toMatch(/^client 127\.0\.0\.1:\d+: 1 of 1 turns played, client (matched the recording|turn 1 differs \(recorded (\d+) B, got \2 B\))$/)
    expect(await cli.stop('SIGINT')).toBe(0)
    expect(cli.stderr).toBe('')
  })

  it('refuses a port in use in one line, exit 1', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { file, connId } = await capturedExchange()
    const taken = await startServer(() => {})
    try {
      const r = await runCli(['replay', file, '--conn', String(connId), '--as-server', '--listen', `127.0.0.1:${taken.port}`])
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expectOneLine(r.stderr.trimEnd())
      expect(r.stderr).toContain(`127.0.0.1:${taken.port}`)
    } finally {
      await taken.close()
    }
  })

  it('needs --listen, and refuses options of the other modes', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { file, connId } = await capturedExchange()
    const noListen = await runCli(['replay', file, '--conn', String(connId), '--as-server'])
    expect(noListen.code).not.toBe(0)
    expect(noListen.stderr).toContain('--listen')
    const strategy = await runCli(['replay', file, '--conn', String(connId), '--as-server', '--listen', '0', '--strategy', 'burst'])
    expect(strategy.code).not.toBe(0)
    expect(strategy.stderr).toContain('--strategy does not go with --as-server')
  })
})

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
import { captureRedisSession, redisCli, startReplayRedis } from '../core/replay/redis-capture'

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
    const frame = await runCli(['replay', file, '--conn', String(connId), '--as-server', '--listen', '0', '--frame', 'line'])
    expect(frame.code).toBe(2)
    expectOneLine(frame.stderr.trimEnd())
    expect(frame.stderr).toContain('--frame cuts the connection for --by-message; give --by-message too')
    const edit = await runCli(['replay', file, '--conn', String(connId), '--as-server', '--by-message', '--listen', '0', '--edit-message', '1=x'])
    expect(edit.code).toBe(2)
    expect(edit.stderr).toContain('--edit-message does not go with --as-server')
  })

  it('--by-message answers redis-cli message by message, and says which message differed by its summary', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    t = await testEngine()
    const redis = await startReplayRedis(t.dir)
    const k = `tcpscope-cli-by-message-${process.pid}`
    let connId: number
    try {
      connId = await captureRedisSession(t.engine, redis.port, [`SET ${k} hello`, `GET ${k}`])
    } finally {
      redis.stop()
    }
    await t.engine.close()
    cli = new CliProcess(['replay', t.capturePath, '--conn', String(connId), '--as-server', '--by-message', '--listen', '127.0.0.1:0'])
    const playing = await cli.waitLine((l) => l.startsWith('playing '))
    const [, port] = new RegExp(`^playing connection #${connId} \\(\\d+ client messages, resp\\) on 127\\.0\\.0\\.1:(\\d+)$`).exec(playing)!
    const out = await redisCli(Number(port), [`SET ${k}-longer world`, `GET ${k}-longer`])
    expect(out.trim().split('\n').slice(-2)).toEqual(['OK', 'hello'])
    const client = await cli.waitLine((l) => l.startsWith('client '))
    expect(client).toMatch(new RegExp(`^client 127\\.0\\.0\\.1:\\d+: (\\d+) of \\1 messages answered, message \\d+ differs \\(recorded SET ${k} hello, \\d+ B; got SET ${k}-longer world, \\d+ B\\)$`))
    expect(await cli.stop('SIGINT')).toBe(0)
    expect(cli.stderr).toBe('')
  })
})

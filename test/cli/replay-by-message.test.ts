// `tcpscope replay --by-message` on a capture of a real redis-cli session against a real
// redis-server: each command once its reply came, every reply matched; `--edit-message
// N=TEXT` (N as `show` numbers messages) sends a SET whose value grew, its `$length` left
// stale and refit, and the GET after it then answers the edit and differs.
import { describe, expect, it } from 'vitest'
import { needPeer } from '../helpers/peers'
import { runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { captureRedisSession, engineWithRedis } from '../core/replay/redis-capture'

const setup = engineWithRedis()

describe('tcpscope replay --by-message', () => {
  it('replays a redis-cli session command by command; an edited SET changes the GET after it', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { t, redis } = await setup()
    const key = `tcpscope-by-message-${process.pid}`
    const connId = await captureRedisSession(t.engine, redis.port, [`SET ${key} one`, `GET ${key}`])
    await t.engine.close()
    const file = t.capturePath
    const plain = await runCli(['replay', file, '--conn', String(connId), '--by-message'])
    expect(plain.stderr).toBe('')
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(new RegExp(`message (\\d+): sent \\d+ B SET ${key} one: matched\\n  <- \\+OK \\(5 B\\): matched\\n`))
    expect(plain.stdout).toMatch(/messages got the recorded answers \(resp\)\n$/)
    const setNumber = Number(new RegExp(`message (\\d+): sent \\d+ B SET`).exec(plain.stdout)![1])

    // The value grows; its `$3` is left as it was.
    const edit = `*3\\r\\n$3\\r\\nSET\\r\\n$${key.length}\\r\\n${key}\\r\\n$3\\r\\nthirteen\\r\\n`
    const edited = await runCli(['replay', file, '--conn', String(connId), '--by-message', '--edit-message', `${setNumber}=${edit}`])
    expect(edited.stderr).toBe('')
    expect(edited.code).toBe(5)
    expect(edited.stdout).toContain(`message ${setNumber} (edited): sent ${32 + key.length + String(key.length).length} B SET ${key} thirteen: matched`)
    expect(edited.stdout).toMatch(new RegExp(`sent \\d+ B GET ${key}: differs\\n  <- thirteen \\(14 B\\): differs, recorded one \\(9 B\\)\\n`))

    const json = JSON.parse((await runCli(['replay', file, '--conn', String(connId), '--by-message', '--json'])).stdout) as { framing: string; matched: number; of: number }
    expect(json.framing).toBe('resp')
    expect(json.matched).toBe(json.of)

    const wrong = await runCli(['replay', file, '--conn', String(connId), '--edit-message', `${setNumber}=x`])
    expect(wrong.code).toBe(2)
    expectOneLine(wrong.stderr.trimEnd())
    expect(wrong.stderr).toContain('--edit-message is for a replay by message (with --by-message)')
  })
})

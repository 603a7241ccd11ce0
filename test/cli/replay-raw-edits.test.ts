// `tcpscope replay --edit-turn N=TEXT / --edit-turn-hex N=HEX` on a capture of a real
// redis-cli session against a real redis-server: the edited SET is sent (turns counted from
// 1 as the output counts them) and GET answers its value; malformed edits are one line, exit 2.
import { describe, expect, it } from 'vitest'
import { needPeer } from '../helpers/peers'
import { runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { captureRedisSession, engineWithRedis } from '../core/replay/redis-capture'

const setup = engineWithRedis()

/** A capture file of `SET key one` then `GET key`, closed; the SET's turn number (from 1). */
async function capturedSetGet(): Promise<{ file: string; connId: number; key: string; setTurn: number }> {
  const { t, redis } = await setup()
  const key = `tcpscope-cli-edit-${process.pid}-${Date.now()}`
  const connId = await captureRedisSession(t.engine, redis.port, [`SET ${key} one`, `GET ${key}`])
  await t.engine.close()
  const plain = await runCli(['replay', t.capturePath, '--conn', String(connId), '--json'])
  // redis-cli asks about its commands first: SET and GET are the last two turns.
  const { of } = JSON.parse(plain.stdout) as { of: number }
  return { file: t.capturePath, connId, key, setTurn: of - 1 }
}

const resp = (...words: string[]): string => `*${words.length}\r\n` + words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')
const escaped = (s: string): string => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n')

describe('tcpscope replay --edit-turn', () => {
  it('sends the edited turn in place of the recorded one, as text or hex; GET answers the new value', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { file, connId, key, setTurn } = await capturedSetGet()
    const set = resp('SET', key, 'twelve')
    for (const flag of [`--edit-turn=${setTurn}=${escaped(set)}`, `--edit-turn-hex=${setTurn}=${Buffer.from(set).toString('hex')}`]) {
      const r = await runCli(['replay', file, '--conn', String(connId), flag])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(5)
      expect(r.stdout).toContain(`turn ${setTurn} (edited): sent ${set.length} B, got 5 B: matched\n+OK\r\n`)
      expect(r.stdout).toContain(`turn ${setTurn + 1}: sent`)
      expect(r.stdout).toMatch(/got 12 B: differs \(recorded 9 B\)\n\$6\r\ntwelve\r\n/)
    }
    const json = await runCli(['replay', file, '--conn', String(connId), '--json', '--edit-turn', `${setTurn}=${escaped(set)}`])
    const result = JSON.parse(json.stdout) as { turns: { edited?: boolean; hex: string; recordedHex: string }[] }
    expect(result.turns.map((x) => x.edited === true)).toEqual(result.turns.map((_, i) => i === setTurn - 1))
    expect(Buffer.from(result.turns[setTurn].recordedHex, 'hex').toString()).toBe('$3\r\none\r\n')
  })

  it('refuses malformed edits in one line with exit 2, and a turn the connection does not have in one line', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { file, connId, setTurn } = await capturedSetGet()
    const run = (...args: string[]): ReturnType<typeof runCli> => runCli(['replay', file, '--conn', String(connId), ...args])
    const badHex = await run('--edit-turn-hex', `${setTurn}=2a 3z`)
    expect(badHex.code).toBe(2)
    expectOneLine(badHex.stderr.trimEnd())
    expect(badHex.stderr).toBe(`tcpscope: replay: --edit-turn-hex ${setTurn}: bad hex digit "z" at position 5: use 0-9 and a-f (spaces and 0x are allowed)\n`)
    const odd = await run('--edit-turn-hex', `${setTurn}=abc`)
    expect(odd.code).toBe(2)
    expectOneLine(odd.stderr.trimEnd())
    for (const bad of [['--edit-turn', 'PING'], ['--edit-turn', '0=PING'], ['--edit-turn', 'x=PING'], ['--edit-turn', '2=bad\\q']]) {
      const r = await run(...bad)
      expect(r.code, bad.join(' ')).toBe(2)
      expectOneLine(r.stderr.trimEnd())
    }
    const all = await runCli(['replay', file, '--all', '--edit-turn', '1=x'])
    expect(all.code).toBe(2)
    expect(all.stderr).toMatch(/--edit-turn is for a raw replay of one connection/)
    const missing = await run('--edit-turn', '99=x')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`tcpscope: cannot edit turn 99: connection #${connId} has ${setTurn + 1} turns\n`)
  })
})

// `tcpscope replay FILE --all` on a capture file of real curl and redis-cli traffic, against
// the real servers: the summary line, a line per differing connection, --json, and exit codes.
import { afterEach, describe, expect, it } from 'vitest'
import { needPeer } from '../helpers/peers'
import { REFUSED_PORT } from '../helpers/net'
import { runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { redisCli } from '../core/replay/redis-capture'
import { recordTraffic, type RecordedTraffic } from '../core/replay/capture-replay-peers'

let rec: RecordedTraffic | undefined
afterEach(async () => {
  await rec?.dispose()
  rec = undefined
})

describe('tcpscope replay --all', () => {
  it('exits 0 with "3 of 3 connections matched" against the same servers, and prints the summary as JSON', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    rec.http.date = 'Tue, 24 Nov 2026 11:11:11 GMT'
    const r = await runCli(['replay', rec.file, '--all', '--speed', '0'])
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('3 of 3 connections matched the recording\n')
    expect(r.code).toBe(0)
    const json = await runCli(['replay', rec.file, '--all', '--speed', '4', '--json', '--filter', `port:${rec.redis.port}`])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ connections: 1, matched: 1, skipped: 0, differed: [], unreachable: false })
  })

  it('exits 5 and names each differing connection and turn', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    await redisCli(rec.redis.port, [`SET ${rec.key} three`])
    const target = `127.0.0.1:${rec.redis.port}`
    const r = await runCli(['replay', rec.file, '--all', '--speed', '0', '--filter', `port:${rec.redis.port}`, '--target', target])
    expect(r.code).toBe(5)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(new RegExp(`^#${rec.redisId} ${target}: turn \\d+ differs \\(recorded 9 B, got 11 B\\)$`))
    expect(lines[1]).toBe('0 of 1 connections matched the recording')
    const json = await runCli(['replay', rec.file, '--all', '--speed', '0', '--json', '--filter', `port:${rec.redis.port}`])
    expect(json.code).toBe(5)
    expect(JSON.parse(json.stdout)).toMatchObject({ matched: 0, differed: [{ connId: rec.redisId, differingTurns: 1 }] })
  })

  it('exits 3 in one line when the target refuses, and 2 for options of another mode', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    const closed = { port: REFUSED_PORT }
    const refused = await runCli(['replay', rec.file, '--all', '--speed', '0', '--target', `127.0.0.1:${closed.port}`])
    expect(refused.code).toBe(3)
    expectOneLine(refused.stderr.trimEnd())
    expect(refused.stderr).toMatch(/connection refused by 127\.0\.0\.1/)
    const conn = await runCli(['replay', rec.file, '--all', '--conn', '1'])
    expect(conn.code).toBe(2)
    expect(conn.stderr).toBe('tcpscope: replay: --conn does not go with --all\n')
    const speed = await runCli(['replay', rec.file, '--conn', '1', '--speed', '2'])
    expect(speed.code).toBe(2)
    expect(speed.stderr).toBe('tcpscope: replay: --speed is for a whole capture (with --all)\n')
    const regex = await runCli(['replay', rec.file, '--all', '--ignore-body', '(a)\\1'])
    expect(regex.code).toBe(1)
    expectOneLine(regex.stderr.trimEnd())
  })

  it('exits 1 in one line when the filter picks no connection: a regression check that compared nothing did not pass', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    const r = await runCli(['replay', rec.file, '--all', '--speed', '0', '--filter', 'port:1'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`tcpscope: nothing was replayed: no connection in ${rec.file} matches the filter "port:1"\n`)
  })
})

// A whole capture of real curl and redis-cli traffic replayed against the real servers it
// was recorded from: everything matches (the Date header ignored); a server changed on
// purpose is listed connection by connection; a filter picks a subset; an ignore-body
// regex lets a changed timestamp through.
import { afterEach, describe, expect, it } from 'vitest'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { Decoding } from '../../../src/core/decode/decoding'
import { compileUserRegex } from '../../../src/core/regex/user-regex'
import { replayCapture, type CaptureReplayOptions } from '../../../src/core/replay/capture-replay'
import type { CaptureReplaySummary } from '../../../src/shared/replay-types'
import { needPeer } from '../../helpers/peers'
import { REFUSED_PORT } from '../../helpers/net'
import { redisCli } from './redis-capture'
import { recordTraffic, type RecordedTraffic } from './capture-replay-peers'

let rec: RecordedTraffic | undefined
afterEach(async () => {
  await rec?.dispose()
  rec = undefined
})

async function replay(file: string, opts: Partial<CaptureReplayOptions> = {}): Promise<CaptureReplaySummary & { progress: number[] }> {
  const capture = await FileCapture.open(file)
  const decoding = new Decoding()
  const progress: number[] = []
  try {
    const s = await replayCapture(capture, decoding, { speed: 0, ...opts, onProgress: ({ done }) => progress.push(done) })
    return { ...s, progress }
  } finally {
    await decoding.close()
    await capture.close()
  }
}

describe('whole-capture replay', () => {
  it('matches every connection against the same servers, though the Date header changed', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    rec.http.date = 'Tue, 24 Nov 2026 11:11:11 GMT'
    const s = await replay(rec.file, { speed: 1 })
    expect(s.differed).toEqual([])
    expect([s.matched, s.connections, s.skipped]).toEqual([3, 3, 0])
    expect(s.unreachable).toBe(false)
    expect(s.progress).toEqual([0, 1, 2, 3])
  })

  it('matches an answer larger than a raw replay keeps of one turn, though its Date header changed', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    // 100,000 bytes: past REPLAY_KEPT_PER_TURN (64 KiB), within what each connection keeps.
    rec = await recordTraffic('x'.repeat(100_000))
    rec.http.date = 'Tue, 24 Nov 2026 11:11:11 GMT'
    const s = await replay(rec.file)
    expect(s.differed).toEqual([])
    expect([s.matched, s.connections]).toEqual([3, 3])
  })

  it('lists the connections whose answers changed, turn by turn', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    rec.http.body = 'changed'
    await redisCli(rec.redis.port, [`SET ${rec.key} three`])
    const s = await replay(rec.file, { timeoutMs: 300 })
    expect(s.matched).toBe(0)
    expect(s.differed.map((d) => d.connId)).toEqual([...rec.httpIds, rec.redisId].sort((a, b) => a - b))
    const redis = s.differed.find((d) => d.connId === rec!.redisId)!
    // GET answers "$5\r\nthree\r\n" where "$3\r\none\r\n" was recorded; PING still matches.
    expect(redis.differing.at(-1)).toMatchObject({ expected: 9, received: 11 })
    expect(redis.matched).toBe(redis.of - 1)
    const http = s.differed.find((d) => d.connId === rec!.httpIds[0])!
    expect(http).toMatchObject({ matched: 0, of: 1, differingTurns: 1 })
    expect(http.differing[0].received - http.differing[0].expected).toBe('changed'.length - 'ok'.length)
    // An ignored Content-Length alone does not hide a changed body.
    const still = await replay(rec.file, { filter: `port:${rec.http.port}`, ignoreHeaders: ['Content-Length'], timeoutMs: 300 })
    expect(still.differed).toHaveLength(2)
  })

  it('replays only what the filter picks, to the target given', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    const s = await replay(rec.file, { filter: `port:${rec.redis.port}`, target: { kind: 'tcp', host: '127.0.0.1', port: rec.redis.port } })
    expect([s.matched, s.connections]).toEqual([1, 1])
    const none = await replay(rec.file, { filter: 'port:1' })
    expect([none.matched, none.connections, none.differed]).toEqual([0, 0, []])
  })

  it('counts an answer as matched when only what an ignore-body regex covers changed', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic('time=1763892000123 ok')
    rec.http.body = 'time=1763895555999 ok'
    const filter = `port:${rec.http.port}`
    const plain = await replay(rec.file, { filter })
    expect(plain.differed).toHaveLength(2)
    const ignoring = await replay(rec.file, { filter, ignoreBody: compileUserRegex('time=\\d+') })
    expect(ignoring.differed).toEqual([])
    expect(ignoring.matched).toBe(2)
  })

  it('says the target was unreachable when no connection could connect', async (ctx) => {
    if (!needPeer('curl', 'redis-server', 'redis-cli')) return ctx.skip()
    rec = await recordTraffic()
    const closed = { port: REFUSED_PORT }
    const s = await replay(rec.file, { target: { kind: 'tcp', host: '127.0.0.1', port: closed.port } })
    expect(s.unreachable).toBe(true)
    expect(s.differed).toHaveLength(3)
    expect(s.differed[0].error).toMatch(/connection refused/)
  })
})

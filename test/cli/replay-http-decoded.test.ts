// `tcpscope replay FILE --conn 1 --exchange 1` on a gzip JSON response whose one field
// changes on every request, recorded through the proxy from a real Node HTTP server: it
// prints the decoded JSON and `body $.stamp: <recorded> → <replayed>`, ends with a newline,
// and `--raw` prints the gzip bytes as they came. The engine's replay.http (the UI's path)
// gives the same comparison. Raw and whole-capture replay end their output with a newline too.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import type { HttpReplayResult } from '../../src/shared/replay-types'
import { closedConnections } from '../helpers/capture-checks'
import { runCli } from '../helpers/cli'
import { testEngine, type TestEngine } from '../helpers/engine'
import { nodeRequest } from '../core/replay/http-replay-peers'

const FIRST_STAMP = 4100001

interface StampServer {
  server: Server
  port: number
  /** The gzip bodies sent, in order: the n-th carries stamp FIRST_STAMP + n. */
  sent: Buffer[]
}

/** Answers every request with gzip JSON whose `stamp` is one more than the last. */
async function stampServer(): Promise<StampServer> {
  const sent: Buffer[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const json = JSON.stringify({ stamp: FIRST_STAMP + sent.length, items: [{ name: 'a' }, { name: 'b' }], service: 'stamps' })
      const body = gzipSync(json)
      sent.push(body)
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': body.length })
      res.end(body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as { port: number }).port, sent }
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A capture file holding one gzip JSON exchange (stamp FIRST_STAMP), recorded through the engine's proxy. */
async function recordedStamp(): Promise<{ file: string; connId: number; peer: StampServer }> {
  const peer = await stampServer()
  cleanups.push(() => new Promise<void>((resolve) => (peer.server.closeAllConnections(), peer.server.close(() => resolve()))))
  const t = await testEngine()
  cleanups.push(t.dispose)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${peer.port}` })
  await nodeRequest(proxy.listen, '/stamp', { headers: { 'Accept-Encoding': 'gzip' } })
  const [conn] = await closedConnections(t.engine, 1)
  await t.engine.close()
  return { file: t.capturePath, connId: conn.id, peer }
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!

describe('tcpscope replay --exchange on a gzip JSON response', () => {
  it('prints the decoded JSON and the stamp that changed, recorded → replayed, and --raw the gzip bytes', async () => {
    const { file, connId, peer } = await recordedStamp()
    const args = ['replay', file, '--conn', String(connId), '--exchange', '1']

    const r = await runCli(args)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(5)
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\n/)
    expect(r.stdout).toContain('\nContent-Encoding: gzip\n')
    expect(r.stdout).toContain(`\n\n{"stamp":${FIRST_STAMP + 1},"items":[{"name":"a"},{"name":"b"}],"service":"stamps"}\n`)
    expect(r.stdout).not.toContain('\x1f')
    expect(r.stdout).toContain(`\nrecorded → replayed:\n`)
    expect(r.stdout).toContain(`\n  body $.stamp: ${FIRST_STAMP} → ${FIRST_STAMP + 1}\n`)
    expect(lastLine(r.stdout)).toBe(`response differs: body $.stamp: ${FIRST_STAMP} → ${FIRST_STAMP + 1}`)
    expect(r.stdout.endsWith('\n')).toBe(true)

    const raw = await runCli([...args, '--raw'])
    expect(raw.code).toBe(5)
    const gzip = peer.sent[2]
    expect(raw.stdoutBytes.includes(gzip)).toBe(true)
    expect(raw.stdout).not.toContain('"service":"stamps"')
    expect(lastLine(raw.stdout)).toBe(`response differs: body $.stamp: ${FIRST_STAMP} → ${FIRST_STAMP + 2}`)
    expect(raw.stdout.endsWith('\n')).toBe(true)
  })

  it("gives the same comparison through the engine's replay.http as the CLI's --json", async () => {
    const { file, connId } = await recordedStamp()
    const cli = await runCli(['replay', file, '--conn', String(connId), '--exchange', '1', '--json'])
    expect(cli.code).toBe(5)
    const fromCli = (JSON.parse(cli.stdout) as { first: HttpReplayResult }).first

    const t: TestEngine = await testEngine()
    cleanups.push(t.dispose)
    const opened = await t.engine['capture.open']({ path: file })
    const { first } = await t.engine['replay.http']({ capture: opened.id, connId, exchange: 0 })
    expect(first!.differences).toEqual([`body $.stamp: ${FIRST_STAMP} → ${FIRST_STAMP + 2}`])
    expect(first!.comparison!.body).toMatchObject({ kind: 'json', differs: true, changeCount: 1, changes: [{ path: '$.stamp', change: 'changed', recorded: String(FIRST_STAMP), replayed: String(FIRST_STAMP + 2) }] })
    expect(first!.response!.content).toMatchObject({ form: 'json', codings: ['gzip'] })
    expect(JSON.parse(Buffer.from(first!.response!.content!.bytes!).toString())).toMatchObject({ stamp: FIRST_STAMP + 2 })
    expect(JSON.parse(Buffer.from(first!.recorded!.content!.bytes!).toString())).toMatchObject({ stamp: FIRST_STAMP })

    // The CLI ran one request earlier: the same comparison, one stamp apart.
    const oneApart = (s: string): string => s.replaceAll(String(FIRST_STAMP + 1), String(FIRST_STAMP + 2))
    expect(fromCli.differences.map(oneApart)).toEqual(first!.differences)
    // Date is the same or not as the two replays fall in one second or straddle two: shown, never counted.
    const rows = (r: HttpReplayResult): unknown => r.comparison!.headers.rows.map((h) => [h.name, h.name === 'Date' ? 'either' : h.change, h.ignored])
    expect(rows(fromCli)).toEqual(rows(first!))
    expect(JSON.parse(oneApart(JSON.stringify(fromCli.comparison!.body)))).toEqual(JSON.parse(JSON.stringify(first!.comparison!.body)))
  })

  it('ends a raw replay and a whole-capture replay with a newline', async () => {
    const { file, connId } = await recordedStamp()
    const raw = await runCli(['replay', file, '--conn', String(connId)])
    expect(raw.code).toBe(5)
    expect(raw.stdout).toMatch(/\n0 of 1 server turns matched\n$/)
    const all = await runCli(['replay', file, '--all', '--speed', '0'])
    expect(all.code).toBe(5)
    expect(all.stdout).toMatch(/0 of 1 connections matched the recording\n$/)
    // The HTTP options are refused in a raw replay, not ignored.
    const refused = await runCli(['replay', file, '--conn', String(connId), '--raw'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^tcpscope: replay: --raw is for an HTTP request \(with --exchange N\)/)
  })
})

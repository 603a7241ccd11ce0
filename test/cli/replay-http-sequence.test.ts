// `tcpscope replay --exchange 1-3` (a keep-alive sequence) and `--request FILE|-` (an edited
// request) against a real server recorded through the proxy, which keeps the raw bytes of
// every connection it accepts.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closedConnections } from '../helpers/capture-checks'
import { runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { REFUSED_PORT, waitFor } from '../helpers/net'
import { needPeer } from '../helpers/peers'
import { curl } from '../core/export/export-traffic'
import { capturedRequestBytes, nodeRequest, recorderBehindProxy } from '../core/replay/http-replay-peers'

const setup = recorderBehindProxy()

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!

describe('tcpscope replay --exchange 1-3', () => {
  it('sends the requests in order on one connection and prints each response, exit 0', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const { t, recorder, listen } = await setup()
    await curl([`http://${listen}/one`, `http://${listen}/two`, `http://${listen}/three`])
    const [conn] = await closedConnections(t.engine, 1)
    const sent = Buffer.concat(await Promise.all([0, 1, 2].map((i) => capturedRequestBytes(t.engine, conn.id, i))))
    await t.engine.close()
    for (const exchange of ['1-3', '1,2,3']) {
      const before = recorder.received.length
      const r = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', exchange])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout.match(/^exchange \d:$/gm)).toEqual(['exchange 1:', 'exchange 2:', 'exchange 3:'])
      expect(r.stdout.match(/^response matched the recording in [\d.,]+ ms$/gm)).toHaveLength(3)
      expect(lastLine(r.stdout)).toBe('3 of 3 responses matched the recording')
      await waitFor(() => recorder.received.length > before, 'the sequence')
      expect(recorder.received.length - before).toBe(1)
      expect(Buffer.concat(recorder.received[before]).equals(sent)).toBe(true)
    }
  })

  it('says what was not sent once the server closes, exit 5; refuses --count with a sequence and a backwards range, exit 2', async () => {
    const { t, listen } = await setup()
    await nodeRequest(listen, '/closing')
    const [conn] = await closedConnections(t.engine, 1)
    await t.engine.close()
    // One exchange named three times: Node's client asked to close, so its recorded response says the server closes after it.
    const r = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '1,1,1'])
    expect(r.code).toBe(5)
    expect(lastLine(r.stdout)).toBe('1 of 3 responses matched the recording; 2 not sent: the server closed the connection after request 1')
    const json = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '1,1', '--json'])
    expect(JSON.parse(json.stdout)).toMatchObject({ matched: 1, notSent: 1, results: [{ matched: true, response: { bodyHex: '6f6b' }, recorded: { bodyHex: '6f6b' } }] })
    const count = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '1-2', '--count', '2'])
    expect(count.code).toBe(2)
    expect(count.stderr).toContain('--count is for one request (--exchange N), not a keep-alive sequence')
    const backwards = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '3-1'])
    expect(backwards.code).toBe(2)
    expect(backwards.stderr).toContain('--exchange 3-1 runs backwards')
    const closed = { port: REFUSED_PORT }
    const refused = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '1,1', '--target', `127.0.0.1:${closed.port}`])
    expect(refused.code).toBe(3)
    expect(refused.stderr).toBe(`tcpscope: connection refused by 127.0.0.1:${closed.port}: nothing is listening there; is the server running?\n`)
  })
})

describe('tcpscope replay --request', () => {
  it('sends the edited request from a file or stdin and compares with the recorded response', async () => {
    const { t, recorder, listen } = await setup()
    await nodeRequest(listen, '/edit', { headers: { 'X-Which': 'captured' } })
    const [conn] = await closedConnections(t.engine, 1)
    const captured = (await capturedRequestBytes(t.engine, conn.id)).toString('latin1')
    await t.engine.close()
    const edited = Buffer.from(captured.replace('X-Which: captured', 'X-Which: edited'), 'latin1')
    const file = join(t.dir, 'edited.http')
    await writeFile(file, edited)
    for (const [arg, input] of [[file, undefined], ['-', edited]] as const) {
      const before = recorder.received.length
      const r = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '1', '--request', arg], input)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(lastLine(r.stdout)).toMatch(/^response matched the recording in [\d.,]+ ms$/)
      await waitFor(() => recorder.received.length > before, 'the edited request')
      expect(Buffer.concat(recorder.received[before]).equals(edited)).toBe(true)
    }
    const missing = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '1', '--request', join(t.dir, 'nope.http')])
    expect(missing.code).toBe(1)
    expectOneLine(missing.stderr.trimEnd())
    expect(missing.stderr).toBe(`tcpscope: no such file: ${join(t.dir, 'nope.http')}\n`)
    const unfinished = join(t.dir, 'unfinished.http')
    await writeFile(unfinished, 'GET / HTTP/1.1\r\nHost: x\r\n')
    const unfit = await runCli(['replay', t.capturePath, '--conn', String(conn.id), '--exchange', '1', '--request', unfinished, '--fix-length'])
    expect(unfit.code).toBe(1)
    expect(unfit.stderr).toMatch(/^tcpscope: the edited request has no blank line ending its head/)
  })
})

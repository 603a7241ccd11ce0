// `tcpscope replay FILE --conn ID --exchange N` against a real server recorded through the
// proxy: the response and "response matched the recording" (exit 0), what differs (exit 5),
// an unreachable target (exit 3), and a --count summary.
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { closedConnections } from '../helpers/capture-checks'
import { REFUSED_PORT } from '../helpers/net'
import { runCli } from '../helpers/cli'
import { expectOneLine } from '../helpers/errors'
import { nodeRequest, recorderBehindProxy, type RawRecorder } from '../core/replay/http-replay-peers'

const setup = recorderBehindProxy()

/** A capture file with one request from Node's http client to the recorder, closed. */
async function capturedRequest(): Promise<{ file: string; connId: number; recorder: RawRecorder }> {
  const { t, recorder, listen } = await setup()
  await nodeRequest(listen, '/hello', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hi' })
  const [conn] = await closedConnections(t.engine, 1)
  await t.engine.close()
  return { file: t.capturePath, connId: conn.id, recorder }
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!

describe('tcpscope replay --exchange', () => {
  it('prints the response and "response matched the recording", exit 0; what differs, exit 5', async () => {
    const { file, connId, recorder } = await capturedRequest()
    const args = ['replay', file, '--conn', String(connId), '--exchange', '1']
    const ok = await runCli(args)
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^HTTP\/1\.1 200 OK\nContent-Type: text\/plain\n/)
    expect(ok.stdout).toContain('\n\nok\n')
    expect(lastLine(ok.stdout)).toMatch(/^response matched the recording in [\d.,]+ ms$/)
    recorder.status = 404
    recorder.body = 'gone'
    const differs = await runCli(args)
    expect(differs.code).toBe(5)
    expect(lastLine(differs.stdout)).toBe('response differs: status 404 (recorded 200), body 4 bytes (recorded 2)')
    const hex = await runCli([...args, '--hex'])
    expect(hex.stdout).toContain('676f 6e65')
  })

  it('sums up --count runs, exit 0', async () => {
    const { file, connId } = await capturedRequest()
    const r = await runCli(['replay', file, '--conn', String(connId), '--exchange', '1', '--count', '6', '--concurrency', '3'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^200: 6; p50 [\d.,]+ ms, p99 [\d.,]+ ms; [\d,]+ req\/s\n6 of 6 responses matched the recording\n$/)
  })

  it('exits 3 in one line when the target refuses, 1 for an exchange the connection lacks', async () => {
    const { file, connId } = await capturedRequest()
    const closed = { port: REFUSED_PORT }
    const refused = await runCli(['replay', file, '--conn', String(connId), '--exchange', '1', '--target', `127.0.0.1:${closed.port}`])
    expect(refused.code).toBe(3)
    expectOneLine(refused.stderr.trimEnd())
    expect(refused.stderr).toBe(`tcpscope: connection refused by 127.0.0.1:${closed.port}: nothing is listening there; is the server running?\n`)
    const many = await runCli(['replay', file, '--conn', String(connId), '--exchange', '1', '--count', '3', '--target', `127.0.0.1:${closed.port}`])
    expect(many.code).toBe(3)
    const missing = await runCli(['replay', file, '--conn', String(connId), '--exchange', '2'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(`tcpscope: connection #${connId} has no HTTP exchange 2 (it has 1)\n`)
  })

  it('refuses a FIFO as --request in one line, exit 1, without waiting for a writer', async () => {
    const { file, connId } = await capturedRequest()
    const fifo = join(dirname(file), 'request.fifo')
    execFileSync('mkfifo', [fifo])
    const r = await runCli(['replay', file, '--conn', String(connId), '--exchange', '1', '--request', fifo])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`tcpscope: ${fifo} is a FIFO (named pipe), not a file: --request wants a file holding the request (or - for stdin)\n`)
  })
})

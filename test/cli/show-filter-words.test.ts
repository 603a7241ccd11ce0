// `show --filter` and `replay --all --filter` read a filter as the app's lists do: a host and
// its port (`localhost:18443`) is a word of its own, as in the connection list (trial 46, 3.4:
// it was `unknown filter word "localhost:"`); a near miss of a word before a number
// (`stauts:200`) is read so too, and said; a filter's mistake is a usage error, exit 2, as
// docs/cli.md says, for every command that takes --filter (ls and export take none).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { writeHttpCapture } from '../helpers/sample-capture'

const tmp = tempDir()
const capture = join(tmp.dir, 'hosts.tcap')
beforeAll(() =>
  writeHttpCapture(capture, [
    { target: 'localhost:18443', host: 'localhost:18443', path: '/one' },
    { target: 'example.com:443', host: 'example.com', path: '/two' },
    { target: '10.0.0.1:80', host: 'other.test', path: '/three' }
  ])
)
afterAll(() => tmp.cleanup())

/** The connections `show --filter` printed, by their head lines (`#1 127.0.0.1:41001 -> localhost:18443: http1, 1 exchange`). */
const shown = (stdout: string): string[] => stdout.split('\n').filter((l) => /^#\d+ \S+ -> /.test(l)).map((l) => l.split(' ')[0])

describe('show --filter on hosts and their ports', () => {
  it('picks the exchanges to a host and its port, a default port also where the request named none', async () => {
    const one = await runCli(['show', capture, '--filter', 'localhost:18443'])
    expect(one).toMatchObject({ code: 0, stderr: '' })
    expect(shown(one.stdout)).toEqual(['#1'])
    expect(one.stdout).toContain('GET /one HTTP/1.1')
    const two = await runCli(['show', capture, '--filter', 'example.com:443 -localhost:18443'])
    expect(shown(two.stdout)).toEqual(['#2'])
  })

  it("reads a near miss of status: before a code as a host, says what was likely meant, and finds nothing", async () => {
    const r = await runCli(['show', capture, '--filter', 'stauts:200'])
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'tcpscope: show: stauts:200 is read as a host and its port: did you mean status:200?\nno exchange matches "stauts:200"\n' })
  })

  it('exits 2 in one line for a filter with a mistake, before reading the file', async () => {
    const missing = join(tmp.dir, 'missing.tcap')
    for (const [filter, message] of [
      ['stauts:4xx', 'tcpscope: show: --filter: unknown filter word "stauts:": did you mean status:?'],
      ['status:lots', 'tcpscope: show: --filter: filter status:lots: use a status code, a class or a range, e.g. status:404, status:4xx or status:200-299'],
      ['stauts:200 conn:x', 'tcpscope: show: --filter: filter conn:x: conn wants a connection id, e.g. conn:12'],
      ['colour:red port:abc', 'tcpscope: show: --filter: the filter has 2 mistakes: (1) unknown filter word "colour:": use method: host: path: status: type: proto: conn: or plain text; (2) unknown filter word "port:": use method: host: path: status: type: proto: conn: or plain text'],
      ['dir:client', /^tcpscope: show: --filter picks HTTP exchanges; "dir:" picks messages/]
    ] as const) {
      for (const file of [capture, missing]) {
        const r = await runCli(['show', file, '--filter', filter])
        expect({ filter, code: r.code, stdout: r.stdout }).toEqual({ filter, code: 2, stdout: '' })
        if (typeof message === 'string') expect(r.stderr).toBe(message + '\n')
        else expect(r.stderr).toMatch(message)
      }
    }
  })
})

describe('replay --all --filter', () => {
  it('exits 2 in one line for a filter with a mistake, before reading the file', async () => {
    for (const [filter, message] of [
      ['stauts:ok', 'tcpscope: replay: --filter: unknown filter word "stauts:": did you mean status:?\n'],
      ['proto:ftp', /^tcpscope: replay: --filter: filter proto:ftp: use http, ws, tls, h2, grpc, raw/],
      ['tls:maybe', /^tcpscope: replay: --filter: filter tls:maybe/]
    ] as const) {
      const r = await runCli(['replay', join(tmp.dir, 'missing.tcap'), '--all', '--filter', filter])
      expect({ filter, code: r.code }).toEqual({ filter, code: 2 })
      if (typeof message === 'string') expect(r.stderr).toBe(message)
      else expect(r.stderr).toMatch(message)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  })

  it('says, when a near miss picked nothing, what was likely meant', async () => {
    const r = await runCli(['replay', capture, '--all', '--filter', 'stauts:200'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`tcpscope: nothing was replayed: no connection in ${capture} matches the filter "stauts:200"; stauts:200 is read as a host and its port: did you mean status:200?\n`)
  })
})

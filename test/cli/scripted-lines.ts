// Test helper of the show tests: a line server that answers each line in capitals, behind a
// proxy (`--frame line`) whose script turns "blue" into "crimson" and drops "ping"; a client
// sends blue, ping and red one at a time. What the client got is checked; the capture's path
// is returned.
import { writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { CliProcess } from '../helpers/cli'

export async function scriptedLinesCapture(d: string, listening: (args: string[]) => Promise<{ cli: CliProcess; port: number }>, cleanups: Array<() => unknown>): Promise<string> {
  const server = createServer((s) => {
    s.on('data', (b) => s.write(b.toString().toUpperCase()))
    s.on('end', () => s.end())
    s.on('error', () => undefined)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => new Promise((r) => server.close(r)))
  const script = join(d, 'hooks.js')
  writeFileSync(
    script,
    [
      'export function onMessage(msg, ctx) {',
      '  const text = new TextDecoder().decode(msg.bytes)',
      "  if (text === 'blue\\n') msg.bytes = new TextEncoder().encode('crimson\\n')",
      "  if (text === 'ping\\n') ctx.drop()",
      '}',
      ''
    ].join('\n')
  )
  const capture = join(d, 'lines.tcap')
  const { cli, port } = await listening(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${(server.address() as { port: number }).port}`, '--frame', 'line', '--script', script, '--capture', capture])
  const got = await new Promise<string>((resolve, reject) => {
    const c = createConnection(port, '127.0.0.1')
    let text = ''
    c.on('error', reject)
    c.on('data', (b) => {
      text += b.toString()
      if (text.endsWith('RED\n')) c.end()
    })
    c.on('close', () => resolve(text))
    // One line at a time, each after the last one's answer, so each is its own message.
    const lines = ['blue\n', 'ping\n', 'red\n']
    const next = (): void => {
      const l = lines.shift()
      if (l === undefined) return
      c.write(l)
      setTimeout(next, 100)
    }
    c.on('connect', next)
  })
  expect(got).toBe('CRIMSON\nRED\n')
  await cli.stop()
  return capture
}

// `tcpscope ls` writes its table straight as bytes, each peer in its parts and widths counted
// without making the strings (ls.ts, byte-lines.ts; issue 46), and it runs from a chunk of
// its own that does not load the engine (src/cli/index.ts). What it prints must be, byte for
// byte, the table made the plain way, as strings, from what `ls --json` says of the same
// file: IPv4, IPv6 and socket-path clients, a connection with no client, a forward proxy's
// tunnel, non-ASCII in a target, an end with its error code, ids and byte counts of every
// width, who changed what a receiver got (a breakpoint's edit, a rule's answer, both, a reset
// tcpscope made and what made it), how it ended (tcpscope's reset with the sides it reset),
// and the bytes tcpscope answered a client with in its target's place.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import { targetOf } from '../../src/cli/commands/ls'
import { changedWord } from '../../src/cli/connection-words'
import { formatDuration, formatPeer, formatTimestamp, WALL_CLOCK_MS } from '../../src/shared/human-readable'
import type { ConnectionSummary, TcpscopeReset } from '../../src/shared/capture-types'
import { runCli } from '../helpers/cli'

const COLUMNS = ['ID', 'KIND', 'CLIENT', 'TARGET', 'START', 'DURATION', 'CLIENT BYTES', 'SERVER BYTES', 'CHANGED', 'END']

/** The table as strings, from the summaries: what ls printed before it wrote bytes. */
function plainTable(rows: ConnectionSummary[]): string {
  const cells = rows.map((c) => [
    String(c.id),
    c.kind,
    formatPeer(c.client),
    targetOf(c),
    formatTimestamp(c.openedAt),
    c.closedAt === undefined ? '-' : formatDuration(c.closedAt - c.openedAt, WALL_CLOCK_MS),
    String(c.bytes.client) + (c.notKept?.client ? ` (${c.notKept.client} not kept)` : ''),
    String(c.bytes.server) + (c.notKept?.server ? ` (${c.notKept.server} not kept)` : '') + (c.answered ? ` (+${c.answered} answered by tcpscope)` : ''),
    changedWord(c.changed),
    c.end === 'tcpscope-reset' ? `${c.end} (${resetSides(c.changed!.reset!)})` : c.error?.code !== undefined && c.end !== 'closed' ? `${c.end} (${c.error.code})` : c.end
  ])
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)))
  const line = (r: string[]): string => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  ')
  return [line(COLUMNS), ...cells.map(line)].join('\n') + '\n'
}

const resetSides = (r: TcpscopeReset): string => `RST to ${r.rst.client && r.rst.server ? 'client and server' : r.rst.client ? 'client' : r.rst.server ? 'server' : 'neither side'}`

/** Resets tcpscope made, one for every tenth connection from the sixth: each cause, both sides or one. */
const RESETS: TcpscopeReset[] = [
  { by: 'toxic', rst: { client: true, server: true } },
  { by: 'action', rst: { client: true, server: false } },
  { by: 'rule', rst: { client: true, server: true } },
  { by: 'breakpoint', rst: { client: true, server: true } },
  { by: 'action', rst: { client: false, server: true } },
  // A Unix socket's peer only sees it close: no side got an RST.
  { by: 'toxic', rst: { client: false, server: false } }
]

describe('tcpscope ls: the table', () => {
  it('is byte for byte the table made as strings, for every kind of peer and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-ls-table-'))
    const file = join(dir, 'c.tcap')
    const capture = await LiveCapture.create(file, { overwrite: true })
    const clients = [
      { address: '10.0.0.7', port: 41001, family: 'IPv4' },
      { address: '2001:db8::42', port: 7, family: 'IPv6' },
      { path: '/run/app/socket.sock' },
      undefined,
      { address: '::ffff:127.0.0.1', port: 65535, family: 'IPv6' }
    ]
    const targets = ['10.0.0.1:6379', 'café.example:443', 'h\xf6st.test:80', '[::1]:8080', '/tmp/target.sock']
    for (let i = 0; i < 120; i++) {
      const client = clients[i % clients.length]
      const c = capture.openConnection({
        kind: (['proxy', 'server', 'client'] as const)[i % 3],
        ownerId: 'p1',
        target: targets[i % targets.length],
        ...(client ? { client } : {}),
        ...(i % 7 === 3 ? { via: 'CONNECT' as const } : {})
      })
      // Byte counts of 0 to 5 digits.
      if (i % 4 !== 0) c.data('client', Buffer.alloc((i * 997) % 40_000 || 1))
      if (i % 5 !== 0) c.data('server', Buffer.alloc(i * 3))
      if (i % 5 === 3) c.event('error', 'server', { code: 'ECONNRESET', message: 'read ECONNRESET' })
      // A breakpoint's edit, a rule's answer, both; a rule that only looked changes nothing.
      if (i % 6 === 1) c.event('break', 'client', { breakpoint: 'b1', action: 'edited', message: 'edited at the breakpoint' })
      // Half of the answers with the size of what the client got (kept, or only its size and SHA-256).
      const answer = i % 8 === 1 ? { deliveredSize: i * 131 } : i % 8 === 5 ? { deliveredSize: 2 * 1024 * 1024 + i, deliveredSha256: 'ab'.repeat(32) } : {}
      if (i % 4 === 1) c.event('rule', 'client', { rule: 'mock', action: 'respond', message: 'answered GET / with 200 (not sent to the target)', at: 0, ...answer })
      if (i % 9 === 2) c.event('rule', 'client', { rule: 'slow', action: 'delay', message: 'delayed 10 ms', at: 0 })
      if (i % 10 === 5) c.close('tcpscope-reset', RESETS[((i - 5) / 10) % RESETS.length])
      else if (i % 11 !== 10) c.close((['closed', 'client-reset', 'server-reset', 'error', 'stopped'] as const)[i % 5])
    }
    await capture.close()

    const table = await runCli(['ls', file])
    expect(table.code).toBe(0)
    const json = await runCli(['ls', file, '--json'])
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as ConnectionSummary)
    expect(rows).toHaveLength(120)
    // What the rows hold is what the table must show: every peer form, the tunnel, those still open when saved, an error.
    expect(rows.map((r) => formatPeer(r.client)).slice(0, 5)).toEqual(['10.0.0.7:41001', '[2001:db8::42]:7', '/run/app/socket.sock', '-', '[::ffff:127.0.0.1]:65535'])
    expect(rows.filter((r) => r.via !== undefined).length).toBeGreaterThan(0)
    expect(rows.filter((r) => r.end === 'saved-open' && r.closedAt === undefined).length).toBeGreaterThan(0)
    expect(rows.filter((r) => r.error?.code === 'ECONNRESET' && r.end !== 'closed').length).toBeGreaterThan(0)
    expect(rows.map((r) => changedWord(r.changed)).slice(0, 14)).toEqual(['-', 'breakpoint,rule', '-', '-', '-', 'rule,reset:toxic', '-', 'breakpoint', '-', 'rule', '-', '-', '-', 'breakpoint,rule'])
    // A reset tcpscope made says so, what made it (CHANGED) and the sides it reset (END), not "stopped".
    expect(rows.filter((r) => r.end === 'tcpscope-reset').map((r) => [r.id, changedWord(r.changed)]).slice(0, 5)).toEqual([
      [6, 'rule,reset:toxic'],
      [16, 'reset:action'],
      [26, 'breakpoint,rule,reset:rule'],
      [36, 'reset:breakpoint'],
      [46, 'rule,reset:action']
    ])
    expect(table.stdout).toMatch(/\n6 .* rule,reset:toxic +tcpscope-reset \(RST to client and server\)\n/)
    expect(table.stdout).toMatch(/\n16 .* reset:action +tcpscope-reset \(RST to client\)\n/)
    expect(table.stdout).toMatch(/\n46 .* rule,reset:action +tcpscope-reset \(RST to server\)\n/)
    // What tcpscope answered in a proxy's target's place is told beside the server's bytes; a
    // server session's answers are its server bytes already (#2, #6).
    expect(rows.filter((r) => r.answered !== undefined).map((r) => [r.id, r.answered]).slice(0, 3)).toEqual([[10, 9 * 131], [22, 2 * 1024 * 1024 + 21], [34, 33 * 131]])
    expect(rows.filter((r) => r.id === 2 || r.id === 6).map((r) => [r.kind, r.changed?.rule, r.answered])).toEqual([['server', true, undefined], ['client', true, undefined]])
    expect(table.stdout).toBe(plainTable(rows))
    expect(table.stdout).toContain(' (+1179 answered by tcpscope)')
    expect(table.stdout).toContain('café.example:443')
  })
})

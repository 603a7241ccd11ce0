// A plain filter word over a closed capture's stored index, which looks for it in every row's
// endpoints at once (shared/joined-texts.ts): it must find exactly the rows a test of each
// row's target (case ignored), peers as written, and owner finds, for words inside a field,
// across a peer's colon, across two fields or two rows, and for the words it leaves to that
// test (an empty one).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { ConnectionQuery } from '../../../../src/core/capture/query/connection-query'
import type { IndexView } from '../../../../src/core/capture/read/index-view'
import type { ConnectionSummary, PeerAddress } from '../../../../src/shared/capture-types'
import { formatPeer } from '../../../../src/shared/human-readable'

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-plain-word-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const ipv4 = (address: string, port: number): PeerAddress => ({ address, port, family: 'IPv4' })
const ipv6 = (address: string, port: number): PeerAddress => ({ address, port, family: 'IPv6' })
/** Clients, targets and upstream legs that tell the peers' forms apart. */
const CONNS: Array<{ owner: string; client?: PeerAddress; target: string; local?: PeerAddress; remote?: PeerAddress }> = [
  { owner: 'p1', client: ipv4('127.0.0.1', 50001), target: '127.0.0.1:6379', local: ipv4('127.0.0.1', 40001), remote: ipv4('127.0.0.1', 6379) },
  { owner: 'p1', client: ipv4('10.20.30.4', 80), target: 'Example.COM:80', local: ipv4('10.0.0.2', 5), remote: ipv4('93.184.215.14', 80) },
  { owner: 'p2', client: ipv6('::1', 6379), target: '[::1]:6379', local: ipv6('::1', 41000), remote: ipv6('::1', 6379) },
  { owner: 'p2', client: ipv6('fe80::1:2', 443), target: 'api.test:443' },
  { owner: 's1', client: { path: '/tmp/redis.sock' }, target: '/tmp/redis.sock' },
  { owner: 'c1', target: 'Upper.Case.Host:8080' },
  { owner: 'p1', client: ipv4('192.168.1.50', 1234), target: '5t.example:1', remote: ipv4('192.168.1.1', 1) }
]

async function writeCapture(path: string): Promise<void> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  for (const c of CONNS) {
    const conn = capture.openConnection({ kind: c.owner.startsWith('p') ? 'proxy' : c.owner.startsWith('s') ? 'server' : 'client', ownerId: c.owner, client: c.client, target: c.target })
    if (c.local || c.remote) conn.connected(c.local, c.remote)
    conn.close('closed')
  }
  await capture.close()
}

/** What a test of each row finds (connection-query's plain word, without decoding). */
const rowByRow = (rows: ConnectionSummary[], word: string): number[] =>
  rows
    .filter(
      (r) =>
        r.target.toLowerCase().includes(word) ||
        formatPeer(r.client).includes(word) ||
        formatPeer(r.upstream?.remote).includes(word) ||
        formatPeer(r.upstream?.local).includes(word) ||
        r.ownerId.toLowerCase() === word
    )
    .map((r) => r.id)

describe('a plain word over a stored index', () => {
  it('finds the rows a test of each finds, looking in every row at once', async () => {
    const path = join(dir, 'peers.tcap')
    await writeCapture(path)
    const file = await FileCapture.open(path)
    try {
      // The index is the file's own; the test reaches it to query it as the engine does.
      const index = (file as unknown as { index: IndexView }).index
      const q = new ConnectionQuery(index, () => 0)
      const rows = (await q.page({ offset: 0, limit: 100 })).rows
      expect(rows.map((r) => formatPeer(r.client))).toEqual(CONNS.map((c) => formatPeer(c.client)))
      expect(rows.map((r) => formatPeer(r.upstream?.local))).toEqual(CONNS.map((c) => formatPeer(c.local)))
      // Looked for at once in a stored index (the rows loaded by the page above).
      expect(index.fields.endpointRows?.('127.0.0.1')).toBeInstanceOf(Uint8Array)
      const words = [
        ...['127', '127.0.0.1', '.0.1:5', '1:50001', ':80', '80', '0.1:', '[::1]', '::1', ':1]:63', ']:443', '1:2', 'redis', '/tmp/r', '-', '1:2:3', 'x'],
        // The targets' case is ignored (words come lower-cased); a peer's is as written.
        ...['example.com', 'upper.case', 'host:8080', 'api.test:443'],
        // Across a target and its client, a client and an upstream peer, the end of one row and the next.
        ...['8010', '637910', ':805', '805', '15t', '5t', ':1192', '6379127'],
        // The owners: equal, not a part.
        ...['p1', 'p2', 's1', 'c1', 'p'],
        // Left to the test of each row.
        ''
      ]
      for (const word of words) {
        const got = (await q.page({ offset: 0, limit: 100, filter: `"${word}"` })).rows.map((r) => r.id)
        expect(got, JSON.stringify(word)).toEqual(rowByRow(rows, word))
      }
      // Negated, and beside another word.
      expect((await q.page({ offset: 0, limit: 100, filter: '-127.0.0.1 owner:p1' })).rows.map((r) => r.id)).toEqual(rowByRow(rows, 'p1').filter((id) => !rowByRow(rows, '127.0.0.1').includes(id)))
      // A client: word, looked for in every row's client at once, finds what the client's text holds.
      expect(index.fields.clientRows?.('127.0.0.1')).toBeInstanceOf(Uint8Array)
      for (const word of ['127.0.0.1', '127.0.0.1:5', '0.1:50001', ':80', '80', '[::1]', '::1', ']:443', 'fe80::1:2', '/tmp/redis.sock', '-', '1:2:3', '10.20.30.4:8', '5t']) {
        const got = (await q.page({ offset: 0, limit: 100, filter: `client:"${word}"` })).rows.map((r) => r.id)
        expect(got, `client:${word}`).toEqual(rows.filter((r) => formatPeer(r.client).includes(word)).map((r) => r.id))
      }
    } finally {
      await file.close()
    }
  })

  it('of 10,000 rows and more, is joined in the background once the list is looked at: the first word writes out no endpoint', async () => {
    const ROWS = 12_000
    const path = join(dir, 'many.tcap')
    const capture = await LiveCapture.create(path, { overwrite: true })
    for (let i = 0; i < ROWS; i++) {
      const conn = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: ipv4('10.1.2.3', 20000 + i), target: `host${i}.example:443` })
      conn.connected(ipv4('10.0.0.2', 30000 + i), ipv4('10.9.9.9', 443))
      conn.close('closed')
    }
    await capture.close()
    const file = await FileCapture.open(path)
    try {
      const index = (file as unknown as { index: IndexView }).index
      // Each row's endpoints are written out with its peers' texts: counted from here on.
      let written = 0
      const peerText = index.fields.peerText
      index.fields.peerText = (row, role) => (written++, peerText(row, role))
      const q = new ConnectionQuery(index, () => 0)
      expect((await q.page({ offset: 0, limit: 10 })).of).toBe(ROWS)
      // Three peers a row, with no word asked yet.
      for (let waited = 0; written < 3 * ROWS; waited += 20) {
        if (waited > 30_000) throw new Error(`the endpoints were not written out in the background within 30 s (${written} of ${3 * ROWS})`)
        await new Promise((r) => setTimeout(r, 20))
      }
      written = 0
      expect((await q.page({ offset: 0, limit: 10, filter: '"host11999.example"' })).rows.map((r) => r.id)).toEqual([ROWS])
      expect((await q.page({ offset: 0, limit: 10, filter: '"20007"' })).rows.map((r) => r.id)).toEqual([8])
      // Nor a client: word (each row's client was written out for it too, in the same pass).
      expect((await q.page({ offset: 0, limit: 10, filter: 'client:10.1.2.3:31199' })).rows.map((r) => r.id)).toEqual([11_200])
      expect((await q.page({ offset: 0, limit: 20, filter: 'client:10.1.2.3:2000' })).rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      expect(written).toBe(0)
    } finally {
      await file.close()
    }
  }, 60_000)

  it('stops joining when its file is closed, and lets go of what it made', async () => {
    const ROWS = 12_000
    const path = join(dir, 'closed-early.tcap')
    const capture = await LiveCapture.create(path, { overwrite: true })
    for (let i = 0; i < ROWS; i++) capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: ipv4('10.1.2.3', 20000 + i), target: `host${i}.example:443` }).close('closed')
    await capture.close()
    const file = await FileCapture.open(path)
    const index = (file as unknown as { index: IndexView }).index
    let written = 0
    const peerText = index.fields.peerText
    index.fields.peerText = (row, role) => (written++, peerText(row, role))
    await new ConnectionQuery(index, () => 0).page({ offset: 0, limit: 10 })
    // Closed once the join has begun, not ended.
    while (written === 0) await new Promise((r) => setTimeout(r, 1))
    await file.close()
    const atClose = written
    await new Promise((r) => setTimeout(r, 300))
    expect(atClose).toBeLessThan(3 * ROWS)
    expect(written).toBe(atClose)
    expect((index as unknown as { endpoints: { joined?: unknown } }).endpoints.joined).toBeUndefined()
  }, 60_000)
})

// A capture file's owner records (each proxy's --frame among them) are one JSON text in its
// stored index. The connection list reads them for the framing a proxy recorded: once a page,
// and a file whose owner records are damaged or hostile still lists its connections, as if
// no framing were recorded.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:net'
import { StoredIndex } from '../../../src/core/capture/read/stored-index'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { startServer } from '../../helpers/net'
import { withIndexSectionEdited } from '../../helpers/stored-index-edit'

const engines: TestEngine[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const e of engines.splice(0)) await e.dispose()
})

const CONNECTIONS = 5

/** A saved capture of a proxy started with `--frame line`: its connections carry `line`. */
async function framedCapture(): Promise<string> {
  const a = await testEngine()
  engines.push(a)
  const server = await startServer((s) => s.end('one\ntwo\n'))
  const proxy = await a.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, frame: 'line:eol=lf' })
  for (let i = 0; i < CONNECTIONS; i++) await new Promise<void>((done) => connect(portOf(proxy.listen), '127.0.0.1').on('data', () => undefined).on('close', () => done()))
  await server.close()
  await closedConnections(a.engine, CONNECTIONS)
  const saved = join(a.dir, 'framed.tcap')
  await a.engine['capture.save']({ path: saved })
  return saved
}

/** The file with its owner records' JSON made unreadable (its string table entry's first `[` a `!`), CRCs made again. */
function withOwnersDamaged(file: Buffer): Buffer {
  return withIndexSectionEdited(file, 'table', (bytes) => {
    const at = bytes.indexOf('"[{\\"')
    expect(at).toBeGreaterThan(0)
    bytes[at + 1] = '!'.charCodeAt(0)
  })
}

describe('owner records in a capture file', () => {
  it('are read once for a page of the connection list, not once a row', async () => {
    const saved = await framedCapture()
    const b = await testEngine()
    engines.push(b)
    const opened = await b.engine['capture.open']({ path: saved })
    const owners = vi.spyOn(StoredIndex.prototype, 'owners')
    const page = await b.engine['conn.page']({ capture: opened.id, offset: 0, limit: 100 })
    expect(page.rows.map((r) => r.protocol?.carries)).toEqual(Array(CONNECTIONS).fill('line'))
    expect(owners).toHaveBeenCalledTimes(1)
  })

  it('damaged, leave the connections listed as if no framing were recorded', async () => {
    const saved = await framedCapture()
    const b = await testEngine()
    engines.push(b)
    const damaged = join(b.dir, 'damaged.tcap')
    writeFileSync(damaged, withOwnersDamaged(readFileSync(saved)))
    const opened = await b.engine['capture.open']({ path: damaged })
    const page = await b.engine['conn.page']({ capture: opened.id, offset: 0, limit: 100 })
    expect(page.rows).toHaveLength(CONNECTIONS)
    expect(page.rows.map((r) => r.protocol?.carries)).not.toContain('line')
    const got = await b.engine['conn.get']({ capture: opened.id, ids: [page.rows[0].id] })
    expect(got.map((r) => r.id)).toEqual([page.rows[0].id])
    // A connection's messages too: cut as its bytes say, not refused.
    await expect(b.engine['msg.page']({ capture: opened.id, connId: page.rows[0].id })).resolves.toBeDefined()
  })
})

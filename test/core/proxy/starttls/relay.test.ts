// The cleartext relay before a switch, with short timeouts: a target that never answers a
// request to switch, and a client and target that both wait for the other, are closed with
// the reason recorded; a declined request lets the session go on, and a second request is
// timed again.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import { StartTlsRelay, type RelayOutcome } from '../../../../src/core/proxy/starttls/relay'
import { connectTo, startServer, waitFor } from '../../../helpers/net'

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-relay-'))
let capture: LiveCapture
const cleanups: Array<() => unknown> = []
beforeAll(async () => {
  capture = await LiveCapture.create(join(dir, 'c.tcap'))
})
afterAll(async () => {
  await capture.close()
  rmSync(dir, { recursive: true, force: true })
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A connected pair: `outer` is the peer's end, `inner` the relay's. */
async function pair(): Promise<{ outer: Socket; inner: Socket }> {
  let inner!: Socket
  const server = await startServer((s) => (inner = s))
  cleanups.push(server.close)
  const outer = await connectTo(server.port)
  await waitFor(() => inner, 'the accept')
  return { outer, inner }
}

async function relay(timeoutMs: number): Promise<{ client: Socket; server: Socket; outcome: () => RelayOutcome | undefined; id: number }> {
  const c = await pair()
  const s = await pair()
  const rec = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:25' })
  let outcome: RelayOutcome | undefined
  new StartTlsRelay(c.inner, s.inner, rec, Buffer.alloc(0), { timeoutMs }, (o) => (outcome = o))
  return { client: c.outer, server: s.outer, outcome: () => outcome, id: rec.id }
}

const eventsOf = async (id: number): Promise<{ kind: string; info?: Record<string, unknown> }[]> => capture.readEvents(id, 0, 100)

describe('the relay before a switch', () => {
  it('closes a connection whose target never answers STARTTLS, saying so', async () => {
    const r = await relay(200)
    r.server.write('220 mail.test\r\n')
    await waitFor(() => r.client.readableLength > 0 || undefined, 'the greeting')
    r.client.write('STARTTLS\r\n')
    const outcome = await waitFor(r.outcome, 'the outcome', 3000)
    expect(outcome).toEqual({ kind: 'closed', end: 'error' })
    const error = (await eventsOf(r.id)).find((e) => e.kind === 'error')
    expect(error?.info).toMatchObject({ code: 'ETIMEDOUT', message: 'the target did not answer the request to switch to TLS (smtp) within 200 ms: closed' })
  })

  it('times a second request after a declined one, and lets the session go on meanwhile', async () => {
    const r = await relay(300)
    r.server.write('220 mail.test\r\n')
    await waitFor(() => r.client.readableLength > 0 || undefined, 'the greeting')
    r.client.write('STARTTLS\r\n')
    await waitFor(() => r.server.readableLength > 0 || undefined, 'the request')
    r.server.read()
    r.server.write('454 not now\r\n')
    await new Promise((res) => setTimeout(res, 400))
    expect(r.outcome()).toBeUndefined()
    r.client.write('STARTTLS\r\n')
    expect(await waitFor(r.outcome, 'the outcome', 3000)).toEqual({ kind: 'closed', end: 'error' })
  })

  it('closes a client and a target that both wait for the other', async () => {
    const r = await relay(150)
    expect(await waitFor(r.outcome, 'the outcome', 3000)).toEqual({ kind: 'closed', end: 'error' })
    const tls = (await eventsOf(r.id)).find((e) => e.kind === 'tls')
    expect(tls?.info).toMatchObject({ ok: false, side: 'client', code: 'ETIMEDOUT' })
  })
})

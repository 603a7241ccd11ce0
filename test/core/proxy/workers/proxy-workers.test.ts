// A proxy with forwarding workers (`workers: 2`): worker threads accept on the proxy's port
// (SO_REUSEPORT) and record into the one live capture: exact records, a killed worker,
// toxics, TLS and STARTTLS in workers, stop and restart, and what stays on the main thread. Run with the built worker
// (out/cli/proxy-worker.cjs, built by the suite's global setup), on Node 22.12+ on Linux.
import { afterEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Socket } from 'node:net'
import * as tls from 'node:tls'
import { promisify } from 'node:util'
import { collect, connectTo, randomPayload, sha256, startServer, tempDir, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { allEvents, closedConnections, expectDataTiles, expectSeqInOrder } from '../../../helpers/capture-checks'
import { reusePortSupported } from '../../../../src/core/proxy/workers/worker-count'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { makeTestCerts } from '../../../helpers/tls-certs'
import { startMailServer } from '../../../helpers/mail-server'

const proxyWorkerFile = resolve(__dirname, '../../../../out/cli/proxy-worker.cjs')
const supported = reusePortSupported() && existsSync(proxyWorkerFile)

let t: TestEngine | undefined
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

async function engine(): Promise<TestEngine> {
  t = await testEngine({ proxyWorkerFile })
  return t
}

/** A server that reads to the client's FIN, then answers with its own bytes and the hash of what it got, and a FIN. */
async function answeringServer(): Promise<number> {
  const server = await startServer((s) => {
    s.on('error', () => {})
    const parts: Buffer[] = []
    s.on('data', (d: Buffer) => parts.push(d))
    s.on('end', () => s.end(Buffer.concat([randomPayload(3000 + (parts.length % 7) * 1000), Buffer.from(`|${sha256(Buffer.concat(parts))}`)])))
  })
  cleanups.push(server.close)
  return server.port
}

/** The connection's recorded bytes `dir` sent. */
async function recorded(te: TestEngine, c: ConnectionSummary, dir: 'client' | 'server'): Promise<Buffer> {
  return Buffer.from(await te.engine['conn.read']({ capture: 'live', connId: c.id, dir, offset: 0, length: c.bytes[dir] }))
}

describe.skipIf(!supported)('proxy with forwarding workers', () => {
  it('forwards and records hundreds of concurrent connections exactly, ids unique, spread over both threads', async () => {
    const te = await engine()
    const port = await answeringServer()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, workers: 2 })
    const N = 300
    const sent = Array.from({ length: N }, (_, i) => randomPayload(1000 + i * 37))
    const got = await Promise.all(
      sent.map(async (payload) => {
        const c = await connectTo(portOf(proxy.listen))
        const reply = collect(c)
        c.end(payload)
        return reply
      })
    )
    for (let i = 0; i < N; i++) expect(got[i].subarray(got[i].lastIndexOf('|') + 1).toString()).toBe(sha256(sent[i]))

    const conns = await closedConnections(te.engine, N)
    expect(conns).toHaveLength(N)
    expect(new Set(conns.map((c) => c.id)).size).toBe(N)
    const byClientBytes = new Map(sent.map((p, i) => [sha256(p), got[i]]))
    for (const c of conns) {
      expect(c).toMatchObject({ end: 'closed', fin: { client: true, server: true } })
      const fromClient = await recorded(te, c, 'client')
      // What the client sent is one of the payloads, and what the server answered it is what that client got.
      const reply = byClientBytes.get(sha256(fromClient))
      expect(reply).toBeDefined()
      expect(sha256(await recorded(te, c, 'server'))).toBe(sha256(reply!))
      const events = await allEvents(te.engine.capture, c.id)
      expectSeqInOrder(events)
      expectDataTiles(events, 'client', c.bytes.client)
      expectDataTiles(events, 'server', c.bytes.server)
      // The client's FIN comes before any of the server's answer: records in order across the batch path.
      const clientFin = events.find((e) => e.kind === 'fin' && e.dir === 'client')!
      expect(events.filter((e) => e.kind === 'data' && e.dir === 'server').every((e) => e.seq > clientFin.seq)).toBe(true)
    }
    const [info] = await te.engine['proxy.list']()
    expect(info.accepted).toBe(N)
    expect(info.threads!.accepted).toHaveLength(2)
    // The kernel spreads connections by a hash of their addresses: all 300 on one thread would be a 2^-299 chance.
    expect(info.threads!.accepted.every((n) => n > 0)).toBe(true)

    // Stopped with its connections and closed, the capture is complete and reads back the same.
    await te.engine['proxy.stop']({ proxyId: proxy.id, closeConnections: true })
    await te.engine.close()
    const file = await FileCapture.open(te.capturePath)
    cleanups.push(() => file.close())
    expect(file.info().indexProblem).toBeUndefined()
    const stored = await file.listConnections()
    expect(stored.map((c) => [c.id, c.end, c.bytes])).toEqual(conns.map((c) => [c.id, c.end, c.bytes]))
  })

  it('a killed worker: its open connections end in the capture with why, a new worker takes its place, and the proxy keeps serving', async () => {
    const te = await engine()
    const held: Socket[] = []
    const server = await startServer((s) => {
      s.on('error', () => {})
      held.push(s)
      s.on('data', (d: Buffer) => s.write(d))
    })
    cleanups.push(server.close)
    cleanups.push(() => held.forEach((s) => s.destroy()))
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, workers: 2 })
    const clients: Socket[] = []
    cleanups.push(() => clients.forEach((s) => s.destroy()))
    // Open connections until the worker holds some, each answered once (so it is recorded there).
    for (let i = 0; i < 200; i++) {
      const c = await connectTo(portOf(proxy.listen))
      c.on('error', () => {})
      clients.push(c)
      const echoed = once(c, 'data')
      c.write(`hello ${i}`)
      await echoed
      const [info] = await te.engine['proxy.list']()
      if (info.threads!.accepted[1] >= 3 && info.threads!.accepted[0] >= 1) break
    }
    // A worker's records reach the capture a batch later than its bytes reach the peers; what a killed worker had not sent yet is lost with it.
    await waitFor(() => {
      const conns = te.engine.capture.connections()
      return conns.length === clients.length && conns.every((c) => c.bytes.server > 0)
    }, 'every echo to be recorded')
    const pool = te.engine['proxies'].workerPool(proxy.id)!
    await pool.kill(1)

    const killed = await waitFor(() => {
      const ended = te.engine.capture.connections().filter((c) => c.end === 'error')
      return ended.length > 0 && ended
    }, "the killed worker's connections to end")
    for (const c of killed) {
      const events = await allEvents(te.engine.capture, c.id)
      expectSeqInOrder(events)
      expect(events.at(-2)).toMatchObject({ kind: 'error', info: { code: 'EWORKER' } })
      expect(events.at(-1)).toMatchObject({ kind: 'close', info: { end: 'error', bytes: { client: c.bytes.client, server: c.bytes.server } } })
      expect(c.bytes.client).toBeGreaterThan(0)
    }
    // The main thread's connections are untouched: still open.
    const survivors = te.engine.capture.connections().filter((c) => c.end === 'open')
    expect(survivors.length + killed.length).toBe(clients.length)
    // Each client of the killed worker saw its connection end (its sockets were closed with the thread).
    const clientOf = (c: ConnectionSummary): Socket => clients.find((s) => c.client !== undefined && 'port' in c.client && s.localPort === c.client.port)!
    await Promise.all(killed.map((c) => (clientOf(c).readableEnded ? undefined : once(clientOf(c), 'end'))))
    for (const c of survivors) {
      const s = clientOf(c)
      const echoed = once(s, 'data')
      s.write('still here')
      expect(String((await echoed)[0])).toBe('still here')
    }

    // A replacement listens: new connections are served, by both threads again.
    await waitFor(() => te.events.some((e) => e.type === 'warning' && /starting another/.test(e.message)) && true, 'the replacement warning')
    await expect.poll(async () => (await te.engine['proxy.list']())[0].threads!.listening).toBe(2)
    const before = (await te.engine['proxy.list']())[0].threads!.accepted[1]
    let servedByNew = false
    for (let i = 0; i < 200 && !servedByNew; i++) {
      const c = await connectTo(portOf(proxy.listen))
      c.on('error', () => {})
      clients.push(c)
      const echoed = once(c, 'data')
      c.write('again')
      expect(String((await echoed)[0])).toBe('again')
      servedByNew = (await te.engine['proxy.list']())[0].threads!.accepted[1] > before
      if (!servedByNew) await waitFor(() => te.engine.capture.connections().length === clients.length && true, 'the open to be recorded')
    }
    expect(servedByNew).toBe(true)
  })

  it("applies a proxy's toxics in its workers, added while it runs", async () => {
    const te = await engine()
    const port = await answeringServer()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, workers: 2 })
    await te.engine['toxic.add']({ proxyId: proxy.id, toxic: { type: 'limit_data', stream: 'downstream', attributes: { bytes: 10 } } })
    const N = 60
    const replies = await Promise.all(
      Array.from({ length: N }, async () => {
        const c = await connectTo(portOf(proxy.listen))
        c.on('error', () => {})
        const reply = collect(c).catch(() => Buffer.alloc(0))
        c.end('x')
        return reply
      })
    )
    for (const r of replies) expect(r.length).toBeLessThanOrEqual(10)
    const [info] = await te.engine['proxy.list']()
    expect(info.threads!.accepted.every((n) => n > 0)).toBe(true)
    const conns = await closedConnections(te.engine, N)
    for (const c of conns) {
      const faults = (await allEvents(te.engine.capture, c.id)).filter((e) => e.kind === 'fault')
      expect(faults.length).toBeGreaterThan(0)
    }
  })

  it('terminates TLS from clients in its workers with leaves of the same CA', async () => {
    const te = await engine()
    const caPem = (await te.engine.ca()).info().pem
    const port = await answeringServer()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, tlsListen: {}, workers: 2 })
    const N = 40
    const sent = Array.from({ length: N }, (_, i) => randomPayload(500 + i))
    const got = await Promise.all(
      sent.map(async (payload) => {
        const s = tls.connect({ host: '127.0.0.1', port: portOf(proxy.listen), ca: caPem, servername: 'svc.test', allowHalfOpen: true } as tls.ConnectionOptions)
        s.on('error', () => {})
        cleanups.push(() => void s.destroy())
        // Once in some twenty runs a client was cut before its handshake: a failure says what the engine said.
        await once(s, 'secureConnect').catch((err: Error) => {
          throw new Error(`${err.message}; the engine said: ${JSON.stringify(te.events.filter((e) => e.type === 'warning' || e.type === 'capture-error' || (e.type === 'conn-event' && e.event.kind !== 'data')))}`)
        })
        const reply = collect(s as unknown as Socket)
        s.end(payload)
        return reply
      })
    )
    for (let i = 0; i < N; i++) expect(got[i].subarray(got[i].lastIndexOf('|') + 1).toString()).toBe(sha256(sent[i]))
    const [info] = await te.engine['proxy.list']()
    expect(info.threads!.accepted.every((n) => n > 0)).toBe(true)
    const conns = await closedConnections(te.engine, N)
    const hashes = new Set(sent.map(sha256))
    for (const c of conns) {
      // The capture holds the cleartext, whichever thread decrypted it.
      expect(hashes.has(sha256(await recorded(te, c, 'client')))).toBe(true)
      expect((await allEvents(te.engine.capture, c.id)).some((e) => e.kind === 'tls')).toBe(true)
    }
  })

  it('resumes TLS sessions on any thread: every thread answers with the same leaf key and ticket keys', async () => {
    const te = await engine()
    const caPem = (await te.engine.ca()).info().pem
    const port = await answeringServer()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, tlsListen: {}, workers: 2 })
    // TLS 1.2, whose session (a ticket) the client has as soon as the handshake is done.
    const handshake = async (session?: Buffer): Promise<{ reused: boolean; session: Buffer | undefined; key: string }> => {
      const s = tls.connect({ host: '127.0.0.1', port: portOf(proxy.listen), ca: caPem, servername: 'svc.test', maxVersion: 'TLSv1.2', ...(session ? { session } : {}) })
      s.on('error', () => {})
      cleanups.push(() => void s.destroy())
      await once(s, 'secureConnect')
      const out = { reused: s.isSessionReused(), session: s.getSession(), key: s.getPeerX509Certificate()?.publicKey.export({ type: 'spki', format: 'der' }).toString('hex') ?? '' }
      s.destroy()
      return out
    }
    const first = await handshake()
    const later = []
    for (let i = 0; i < 30; i++) later.push(await handshake(first.session))
    expect(later.every((h) => h.reused)).toBe(true)
    const [info] = await te.engine['proxy.list']()
    expect(info.threads!.accepted.every((n) => n > 0)).toBe(true)
    // Full handshakes on both threads answer with one key.
    const fresh = await Promise.all(Array.from({ length: 20 }, () => handshake()))
    expect(new Set([first.key, ...fresh.map((h) => h.key)]).size).toBe(1)
  })

  it('stopped without its connections, every thread stops listening and its open connections go on; restarted, both threads accept again', async () => {
    const te = await engine()
    const server = await startServer((s) => {
      s.on('error', () => {})
      s.on('data', (d: Buffer) => s.write(d))
    })
    cleanups.push(server.close)
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, workers: 2 })
    const clients: Socket[] = []
    cleanups.push(() => clients.forEach((c) => c.destroy()))
    const echo = async (c: Socket, text: string): Promise<string> => {
      const got = once(c, 'data')
      c.write(text)
      return String((await got)[0])
    }
    // Connections on both threads.
    while ((await te.engine['proxy.list']())[0].threads!.accepted.some((n) => n === 0)) {
      const c = await connectTo(portOf(proxy.listen))
      c.on('error', () => {})
      clients.push(c)
      expect(await echo(c, 'first')).toBe('first')
    }
    await te.engine['proxy.stop']({ proxyId: proxy.id })
    expect((await te.engine['proxy.list']())[0]).toMatchObject({ state: 'stopped', threads: { listening: 0 } })
    for (const c of clients) expect(await echo(c, 'still')).toBe('still')
    await expect(connectTo(portOf(proxy.listen))).rejects.toMatchObject({ code: 'ECONNREFUSED' })

    await te.engine['proxy.restart']({ proxyId: proxy.id })
    await expect.poll(async () => (await te.engine['proxy.list']())[0].threads!.listening).toBe(2)
    const before = (await te.engine['proxy.list']())[0].threads!.accepted
    while ((await te.engine['proxy.list']())[0].threads!.accepted.some((n, i) => n === before[i])) {
      const c = await connectTo(portOf(proxy.listen))
      c.on('error', () => {})
      clients.push(c)
      expect(await echo(c, 'again')).toBe('again')
    }
  })

  it('decrypts SMTP after STARTTLS in its workers as on the main thread', async (ctx) => {
    needProgram(ctx, 'curl and openssl', hasProgram('curl') && hasProgram('openssl'))
    const tmp = tempDir()
    cleanups.push(tmp.cleanup)
    const certs = makeTestCerts(tmp.dir)
    const server = await startMailServer('smtp', { cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) })
    cleanups.push(server.close)
    const te = await engine()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, tlsListen: {}, tlsUpstream: { verify: false }, workers: 2 })
    const mail = join(tmp.dir, 'mail.txt')
    writeFileSync(mail, 'Subject: through a worker\r\n\r\nHello.\r\n')
    const send = (): Promise<unknown> =>
      promisify(execFile)('curl', ['-sS', '--max-time', '20', '-k', `smtp://127.0.0.1:${portOf(proxy.listen)}`, '--ssl-reqd', '--mail-from', 'a@x', '--mail-rcpt', 'b@y', '-T', mail], { timeout: 25_000 })
    let sent = 0
    while ((await te.engine['proxy.list']())[0].threads!.accepted.some((n) => n === 0)) {
      await Promise.all([send(), send(), send(), send()])
      sent += 4
    }
    expect(server.mails).toHaveLength(sent)
    expect(server.sessions.every((s) => s.tls)).toBe(true)
    const conns = await closedConnections(te.engine, sent)
    for (const c of conns) {
      expect(c.tls).toMatchObject({ starttls: 'smtp' })
      expect((await recorded(te, c, 'client')).toString()).toContain('Subject: through a worker')
    }
  })

  it('with a breakpoint only the main thread accepts, and says so; without, the workers accept again', async () => {
    const te = await engine()
    const port = await answeringServer()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, workers: 2 })
    const rule = await te.engine['break.add']({ proxyId: proxy.id, rule: { match: 'text', pattern: 'never-matches-this' } })
    const [info] = await te.engine['proxy.list']()
    expect(info.threads!.note).toMatch(/only it accepts new connections/)
    // The workers close their listeners a moment later (a message away): a client queued at one as it closes is reset by the kernel.
    await expect.poll(async () => (await te.engine['proxy.list']())[0].threads!.listening).toBe(1)
    const before = info.threads!.accepted[1]
    const N = 40
    await Promise.all(
      Array.from({ length: N }, async () => {
        const c = await connectTo(portOf(proxy.listen))
        const reply = collect(c)
        c.end('ping')
        await reply
      })
    )
    expect((await te.engine['proxy.list']())[0].threads!.accepted[1]).toBe(before)
    await te.engine['break.remove']({ proxyId: proxy.id, id: rule.id })
    expect((await te.engine['proxy.list']())[0].threads!.note).toBeUndefined()
    await expect.poll(async () => (await te.engine['proxy.list']())[0].threads!.listening).toBe(2)
  })
})

describe.skipIf(!supported)('proxy with forwarding workers: what stays on the main thread', () => {
  it('a forward proxy runs on one thread and says why', async () => {
    const te = await engine()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', forward: {}, workers: 2 })
    expect(proxy.threads).toEqual({ accepted: [0], listening: 1, note: expect.stringMatching(/^--workers: a forward proxy runs on one thread .*; running one thread$/) })
  })

  it("an action on a worker's connection is refused in one line that says why", async () => {
    const te = await engine()
    const server = await startServer((s) => {
      s.on('error', () => {})
      s.on('data', (d: Buffer) => s.write(d))
    })
    cleanups.push(server.close)
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, workers: 2 })
    const clients: Socket[] = []
    cleanups.push(() => clients.forEach((c) => c.destroy()))
    while ((await te.engine['proxy.list']())[0].threads!.accepted[1] === 0) {
      const c = await connectTo(portOf(proxy.listen))
      c.on('error', () => {})
      clients.push(c)
      const got = once(c, 'data')
      c.write('hi')
      await got
    }
    const pool = te.engine['proxies'].workerPool(proxy.id)!
    const onWorker = te.engine.capture.connections().find((c) => pool.has(c.id))!
    await expect(te.engine['conn.pause']({ connId: onWorker.id, dir: 'client', paused: true })).rejects.toThrow(/^conn \d+ is forwarded by one of proxy p1's worker threads: .*main thread's connections only/)
  })
})

describe.skipIf(reusePortSupported())('proxy with forwarding workers on a Node without SO_REUSEPORT', () => {
  it('runs one thread and says why in one line', async () => {
    const te = await engine()
    const port = await answeringServer()
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, workers: 2 })
    expect(proxy.threads).toEqual({ accepted: [0], listening: 1, note: expect.stringMatching(/^--workers needs Node 22\.12\+ on Linux .*; running one thread$/) })
    const c = await connectTo(portOf(proxy.listen))
    const reply = collect(c)
    c.end('hello')
    expect((await reply).subarray((await reply).lastIndexOf('|') + 1).toString()).toBe(sha256(Buffer.from('hello')))
  })
})

// pcapng export, checked by tshark: every leg of every connection reassembles to exactly
// the captured bytes, addresses are the real ones (the client's leg goes to the proxy's
// listening address), and tshark's HTTP dissector finds the requests our decoder found.
import { afterEach, describe, expect, it } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ConnectionSummary, Direction } from '../../../src/shared/capture-types'
import type { CaptureView } from '../../../src/core/capture/query/capture-queries'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { needPeer } from '../../helpers/peers'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { curl, exportTarget, followAll, httpOnEveryPort, run } from './export-traffic'

let t: TestEngine
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

async function stream(view: CaptureView, c: ConnectionSummary, dir: Direction): Promise<Buffer> {
  return view.readBytes(c.id, dir, 0, (c.recorded ?? c.bytes)[dir])
}

/** A peer as tshark names a node: `127.0.0.1:80`, `[::1]:80`. */
function hostOf(p: ConnectionSummary['client']): string {
  if (p === undefined || !('address' in p)) return ''
  const address = p.address.replace(/^::ffff:/, '')
  return address.includes(':') ? `[${address}]:${p.port}` : `${address}:${p.port}`
}

describe('pcapng export', () => {
  it('gives tshark both legs of every proxied connection, byte for byte, with the real addresses', async (ctx) => {
    if (!needPeer('tshark', 'capinfos', 'curl')) return ctx.skip()
    t = await testEngine()
    const target = await exportTarget()
    cleanups.push(target.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    const v6 = await t.engine['proxy.start']({ listen: '[::1]:0', target: `127.0.0.1:${target.port}` })
    const sock = join(t.dir, 'proxy.sock')
    await t.engine['proxy.start']({ listen: sock, target: `127.0.0.1:${target.port}` })
    const base = `http://${proxy.listen}`
    // Keep-alive: three requests on one connection; a body bigger than one segment each way.
    await curl([`${base}/json`, `${base}/bin`, `${base}/big`])
    const upload = join(t.dir, 'upload.bin')
    await writeFile(upload, Buffer.alloc(200_000, 'x'))
    await curl(['--data-binary', `@${upload}`, '-H', 'Content-Type: application/octet-stream', `${base}/echo`])
    await curl([`http://${v6.listen}/json`])
    await curl(['--unix-socket', sock, 'http://localhost/bin'])
    const wildcard = await t.engine['proxy.start']({ listen: '0.0.0.0:0', target: `127.0.0.1:${target.port}` })
    await curl([`http://127.0.0.1:${portOf(wildcard.listen)}/bin`])
    const conns = await closedConnections(t.engine, 5)

    const out = join(t.dir, 'out.pcapng')
    const result = await t.engine['capture.export']({ capture: 'live', format: 'pcapng', path: out })
    expect(result.path).toBe(out)
    expect(result.size).toBe((await readFile(out)).length)

    const followed = await followAll(out, conns.length * 2)
    expect(followed).toHaveLength(conns.length * 2)
    const view = t.engine.capture
    const owners = await view.owners()
    for (const c of conns) {
      const client = await stream(view, c, 'client')
      const server = await stream(view, c, 'server')
      const legs = followed.filter((f) => f.sent[0].equals(client) && f.sent[1].equals(server))
      expect(legs, `connection #${c.id}: both legs carry its bytes`).toHaveLength(2)
      const upstream = c.upstream!
      expect(legs.map((l) => l.nodes.join(' -> '))).toContain(`${hostOf(upstream.local)} -> ${hostOf(upstream.remote)}`)
      // A loopback client reached a wildcard listener on loopback.
      const listen = owners.find((o) => o.id === c.ownerId)!.listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:')
      if (c.client !== undefined && 'address' in c.client) {
        expect(legs.map((l) => l.nodes.join(' -> '))).toContain(`${hostOf(c.client)} -> ${listen}`)
      } else {
        // The Unix socket's leg on made-up loopback addresses.
        expect(legs.map((l) => l.nodes[1])).toContainEqual(expect.stringMatching(/^127\.0\.0\.2:\d+$/))
      }
    }

    // The file says which addresses are made up.
    const info = await run('capinfos', ['-k', out])
    expect(info.stdout).toMatch(/Unix-socket connections are shown on made-up loopback addresses: 127\.0\.0\.2 for the listening socket/)

    // The checksums are right (tshark checks them when asked), and the HTTP dissector sees our requests.
    const asHttp = await httpOnEveryPort(out)
    const bad = await run('tshark', ['-r', out, ...asHttp, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.malformed || (tcp.analysis.flags && !tcp.analysis.window_update)'])
    expect(bad.stdout.trim()).toBe('')
    const { stdout } = await run('tshark', ['-r', out, ...asHttp, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.method', '-e', 'http.request.uri'])
    const dissected = stdout.trim().split('\n').sort()
    const decoded: string[] = []
    for (const c of conns) {
      const page = await t.engine['http.exchanges']({ capture: 'live', connId: c.id })
      // Each request twice: once on the client's leg, once on the upstream leg.
      for (const ex of page.exchanges) decoded.push(`${ex.request!.method}\t${ex.request!.target}`, `${ex.request!.method}\t${ex.request!.target}`)
    }
    expect(dissected).toEqual(decoded.sort())
  })

  it('carries on the upstream leg of a forward proxy\'s absolute-form connection what the origin got: origin-form, without the proxy\'s headers', async (ctx) => {
    if (!needPeer('tshark', 'curl')) return ctx.skip()
    t = await testEngine()
    // An origin that keeps every byte it got, and answers each request head with an empty 200.
    const got: Buffer[] = []
    const origin = await startServer((s) => {
      let seen = ''
      s.on('data', (b: Buffer) => {
        got.push(b)
        seen += b.toString('latin1')
        while (seen.includes('\r\n\r\n')) {
          seen = seen.slice(seen.indexOf('\r\n\r\n') + 4)
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        }
      })
      s.on('end', () => s.end())
    })
    cleanups.push(origin.close)
    const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept: false } })
    const url = `http://127.0.0.1:${origin.port}`
    // Keep-alive: two requests on one connection, each with the proxy's own header.
    await curl(['-x', `http://${p.listen}`, '-H', 'Proxy-Connection: Keep-Alive', `${url}/a?x=1`, `${url}/b`])
    const [c] = await closedConnections(t.engine, 1)
    const out = join(t.dir, 'forward.pcapng')
    await t.engine['capture.export']({ capture: 'live', format: 'pcapng', path: out })

    const legs = await followAll(out, 2)
    const toOrigin = legs.find((l) => l.nodes[1] === `127.0.0.1:${origin.port}`)!
    const fromClient = legs.find((l) => l !== toOrigin)!
    // The client's leg: what it sent the proxy, absolute-form; the origin's: byte for byte what the origin got.
    expect(fromClient.sent[0].equals(await stream(t.engine.capture, c, 'client'))).toBe(true)
    expect(fromClient.sent[0].toString('latin1')).toContain(`GET ${url}/a?x=1 HTTP/1.1`)
    expect(toOrigin.sent[0].equals(Buffer.concat(got))).toBe(true)
    const sentToOrigin = toOrigin.sent[0].toString('latin1')
    expect(sentToOrigin).toMatch(/^GET \/a\?x=1 HTTP\/1\.1\r\n/)
    expect(sentToOrigin).toContain('GET /b HTTP/1.1\r\n')
    expect(sentToOrigin).not.toMatch(/proxy-connection/i)
    expect(toOrigin.sent[1].equals(await stream(t.engine.capture, c, 'server'))).toBe(true)
    const { stdout } = await run('tshark', ['-r', out, '-o', `http.tcp.port:${origin.port},${portOf(p.listen)}`, '-Y', `http.request && tcp.dstport == ${origin.port}`, '-T', 'fields', '-e', 'http.request.uri'])
    expect(stdout.trim().split('\n')).toEqual(['/a?x=1', '/b'])
  })

  it('is the same from the saved file, whose stored index keeps where each proxy listened', async (ctx) => {
    if (!needPeer('tshark', 'curl')) return ctx.skip()
    t = await testEngine()
    const target = await exportTarget()
    cleanups.push(target.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    await curl([`http://${proxy.listen}/json`])
    await closedConnections(t.engine, 1)
    const saved = join(t.dir, 'saved.tcap')
    await t.engine['capture.save']({ path: saved })
    const file = await FileCapture.open(saved)
    cleanups.push(() => file.close())
    const owners = await file.owners()
    expect(owners.map((o) => [o.id, o.listen])).toEqual([[proxy.id, proxy.listen]])
    const opened = await t.engine['capture.open']({ path: saved })
    const out = join(t.dir, 'saved.pcapng')
    await t.engine['capture.export']({ capture: opened.id, format: 'pcapng', path: out })
    const [client, upstream] = await followAll(out, 2)
    expect(client.nodes[1]).toBe(proxy.listen)
    expect(upstream.sent).toEqual(client.sent)
  })

  it('shows a reset as a reset on both legs, and a server session\'s connections at its listening address', async (ctx) => {
    if (!needPeer('tshark')) return ctx.skip()
    t = await testEngine()
    const server = await startServer((s) => s.on('data', () => undefined).on('error', () => undefined))
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const viaProxy = await connectTo(portOf(proxy.listen))
    viaProxy.write('before the reset')
    await waitFor(() => t.engine.capture.connections()[0]?.bytes.client === 16, 'the bytes to be recorded')
    viaProxy.resetAndDestroy()
    const session = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    const toSession = await connectTo(portOf(session.listen))
    toSession.end('to the session')
    const conns = await closedConnections(t.engine, 2)
    expect(conns.map((c) => c.end)).toEqual(['client-reset', expect.any(String)])

    const out = join(t.dir, 'reset.pcapng')
    await t.engine['capture.export']({ capture: 'live', format: 'pcapng', path: out })
    const resets = await run('tshark', ['-r', out, '-Y', 'tcp.flags.reset == 1', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport'])
    const upstream = conns[0].upstream!
    const local = upstream.local as { port: number }
    expect(resets.stdout.trim().split('\n').sort()).toEqual([`${(conns[0].client as { port: number }).port}\t${portOf(proxy.listen)}`, `${local.port}\t${server.port}`].sort())
    const [clientLeg, upstreamLeg, sessionLeg] = await followAll(out, 3)
    expect(clientLeg.sent[0].toString()).toBe('before the reset')
    expect(upstreamLeg.sent[0].toString()).toBe('before the reset')
    expect(sessionLeg.sent[0].toString()).toBe('to the session')
    expect(sessionLeg.nodes[1]).toBe(session.listen)
  })

  it('draws a reset tcpscope made as an RST to each side it reset, from the address that side talked to', async (ctx) => {
    if (!needPeer('tshark')) return ctx.skip()
    t = await testEngine()
    // The target echoes late: after a person reset the client, what it sends goes nowhere.
    const server = await startServer((s) => {
      s.on('error', () => undefined)
      s.on('data', (d: Buffer) => setTimeout(() => s.write(d), 300))
      s.on('end', () => setTimeout(() => s.end(), 400))
    })
    cleanups.push(server.close)
    // A traffic rule resets both sides.
    const byRule = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    await t.engine['rules.set']({ proxyId: byRule.id, rules: [{ match: { http: { path: '/boom' } }, steps: [{ reset: true }] }] })
    const ruled = await connectTo(portOf(byRule.listen))
    ruled.on('error', () => undefined)
    ruled.write('GET /boom HTTP/1.1\r\nhost: a.test\r\n\r\n')
    await closedConnections(t.engine, 1)
    // A person resets the client only; the target gets a FIN.
    const byPerson = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const reset = await connectTo(portOf(byPerson.listen))
    reset.on('error', () => undefined)
    reset.write('hi')
    await waitFor(() => t.engine.capture.connections()[1]?.upstream?.local, 'the target to be connected')
    await waitFor(() => t.engine.capture.connections()[1]?.bytes.client === 2, 'the bytes to be recorded')
    await t.engine['conn.shut']({ connId: t.engine.capture.connections()[1].id, side: 'client', how: 'rst' })
    const conns = await closedConnections(t.engine, 2)
    expect(conns.map((c) => [c.end, c.changed?.reset?.rst])).toEqual([
      ['tcpscope-reset', { client: true, server: true }],
      ['tcpscope-reset', { client: true, server: false }]
    ])
    // What the target sent after the reset was recorded.
    expect(conns[1].bytes.server).toBe(2)

    const out = join(t.dir, 'tcpscope-reset.pcapng')
    await t.engine['capture.export']({ capture: 'live', format: 'pcapng', path: out })
    const resets = await run('tshark', ['-r', out, '-Y', 'tcp.flags.reset == 1', '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport'])
    const port = (p: ConnectionSummary['client']): number => (p as { port: number }).port
    expect(resets.stdout.trim().split('\n').sort()).toEqual(
      [
        // The rule's: to the client from where it connected, to the target from the proxy's own address.
        `${portOf(byRule.listen)}\t${port(conns[0].client)}`,
        `${port(conns[0].upstream!.local)}\t${server.port}`,
        // The person's: to the client only.
        `${portOf(byPerson.listen)}\t${port(conns[1].client)}`
      ].sort()
    )
    const [, , personClientLeg, personUpstreamLeg] = await followAll(out, 4)
    expect(personClientLeg.nodes[1]).toBe(byPerson.listen)
    expect(personClientLeg.sent.map(String)).toEqual(['hi', ''])
    expect(personUpstreamLeg.sent.map(String)).toEqual(['hi', 'hi'])
  })

  it('interleaves concurrent connections in time order, as a sniffer would have seen them', async (ctx) => {
    if (!needPeer('tshark')) return ctx.skip()
    t = await testEngine()
    const server = await startServer((s) => s.resume().on('end', () => s.end()).on('error', () => undefined))
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const one = await connectTo(portOf(proxy.listen))
    const two = await connectTo(portOf(proxy.listen))
    const recorded = (n: number): Promise<unknown> => waitFor(() => t.engine.capture.connections().reduce((sum, c) => sum + c.bytes.client, 0) === n, `${n} bytes recorded`)
    one.write('first')
    await recorded(5)
    two.write('second')
    await recorded(11)
    one.end('third')
    await recorded(16)
    two.end()
    await closedConnections(t.engine, 2)

    const out = join(t.dir, 'interleaved.pcapng')
    await t.engine['capture.export']({ capture: 'live', format: 'pcapng', path: out })
    const { stdout } = await run('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'tcp.payload'])
    const rows = stdout.trim().split('\n').map((l) => l.split('\t'))
    const times = rows.map(([time]) => Number(time))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    const payloads = rows.filter(([, hex]) => hex).map(([, hex]) => Buffer.from(hex, 'hex').toString())
    // Each on the client's leg, then on the upstream leg.
    expect(payloads).toEqual(['first', 'first', 'second', 'second', 'third', 'third'])
  })

  it('cuts a cancelled export short and leaves nothing at the path', async () => {
    t = await testEngine()
    const target = await exportTarget()
    cleanups.push(target.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    if (!needPeer('curl')) return
    await curl([`http://${proxy.listen}/big`])
    await waitFor(() => t.engine.capture.connections().every((c) => c.end !== 'open'), 'the connection to close')
    const out = join(t.dir, 'cancelled.pcapng')
    const abort = new AbortController()
    abort.abort()
    await expect(t.engine['capture.export']({ capture: 'live', format: 'pcapng', path: out }, { signal: abort.signal })).rejects.toThrow(/cancelled/)
    await expect(readFile(out)).rejects.toThrow(/ENOENT/)
  })
})

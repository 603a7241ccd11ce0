// The peers bench's harness (bench/peers.mjs, not run in CI) on a small scale: each recording
// forward proxy it compares (tcpscope, mockttp, mitmdump -w) forwards a body exactly from
// nginx, plain and with TLS intercepted (the client trusting that proxy's CA), and keeps what
// the client got; the client's checks catch a body that differs, and the recording check a
// recorder that kept less.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLIENT_LEG, checkRecording, startPeer, type PeerCase } from '../../bench/lib/intercepting-peers.mjs'
import { writePatternFile } from '../../bench/lib/pattern.mjs'
import { checkedDownload, getLoop, proxyAgent } from '../../bench/lib/proxy-client.mjs'
import { exportTcpscopeCa, makeCertificates, startNginxTls } from '../../bench/lib/tls-peers.mjs'
import { CLI } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'

const KiB = 1024
const MiB = 1024 * KiB
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the peers bench harness', () => {
  it('forwards every body exactly through tcpscope, mockttp and mitmdump, plain and intercepted, each keeping what the client got; a changed byte is caught', async (ctx) => {
    for (const program of ['nginx', 'openssl']) needProgram(ctx, program, hasProgram(program))
    needProgram(ctx, 'mitmdump (apt-get install mitmproxy)', hasProgram('mitmdump'))
    const { dir, cleanup } = tempDir('tcpscope-peers-')
    cleanups.push(cleanup)
    const certs = makeCertificates(join(dir, 'certs'))
    const www = join(dir, 'www')
    mkdirSync(www)
    writePatternFile(join(www, '1k'), KiB)
    writePatternFile(join(www, '2m'), 2 * MiB)
    const bad = readFileSync(join(www, '2m'))
    bad[MiB + 7] ^= 1
    writeFileSync(join(www, 'bad'), bad)
    const nginx = await startNginxTls(dir, certs, www)
    cleanups.push(() => nginx.stop(10_000))
    const dataDir = join(dir, 'data')
    const peerCtx = { cli: CLI, dataDir, upstreamCa: certs.ca, tmp: dir, tcpscopeCa: exportTcpscopeCa(CLI, dataDir, join(dir, 'tcpscope-ca.pem')) }

    for (const kase of ['tcpscope', 'mockttp', 'mitmdump-w'] as PeerCase[]) {
      const peer = await startPeer(kase, peerCtx, join(dir, `${kase}.rec`))
      cleanups.push(() => peer.proxy.kill())
      for (const scheme of ['http', 'https'] as const) {
        const origin = { scheme, host: 'localhost', port: scheme === 'https' ? nginx.port : nginx.plainPort }
        const agent = proxyAgent({ proxy: { host: CLIENT_LEG, port: peer.proxy.port }, origin, ca: readFileSync(peer.ca, 'utf8'), keepAlive: true, maxSockets: 2 })
        const gets = await getLoop({ agent, path: '/1k', size: KiB, connections: 2, count: 4 })
        expect(gets, `${kase} ${scheme}`).toMatchObject({ requests: 4, bytes: 4 * KiB })
        expect(await checkedDownload({ agent, path: '/2m', size: 2 * MiB, limitSeconds: 30 }), `${kase} ${scheme}`).toMatchObject({ timedOut: false, bytes: 2 * MiB })
        await expect(checkedDownload({ agent, path: '/bad', size: 2 * MiB, limitSeconds: 30 }), `${kase} ${scheme}`).rejects.toThrow(/CONTENT MISMATCH: 1 chunks/)
        agent.destroy()
      }
      const stop = await peer.proxy.stop(30_000)
      expect(stop.code, `${kase}: ${stop.stderr}`).toBe(0)
      // Per scheme: 4 GETs of 1 KiB and two 2 MiB downloads.
      expect(checkRecording(kase, stop, peer.file, { requests: 12, bodyBytes: 2 * (4 * KiB + 4 * MiB) }), kase).toEqual([])
      expect(checkRecording(kase, stop, peer.file, { requests: 12, bodyBytes: 1024 * MiB }), kase).toEqual([expect.stringMatching(/CAPTURE TOO SMALL|events carried \d+ bytes|flow file holds/)])
    }
  })
})

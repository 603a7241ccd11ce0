// The recording HTTP forward proxies the peers bench (bench/peers.mjs) puts side by side, each
// a ProxyProcess of its own (its pid's CPU and memory from /proc), each intercepting TLS with
// a CA of its own that the client trusts, each verifying the origin against the bench's
// throwaway CA:
//  - tcpscope: `tcpscope proxy --forward --upstream-ca CA --capture FILE --json --quiet`, its
//    CA exported once from the bench's data folder (as a user's is made once);
//  - mockttp (HTTP Toolkit's engine): bench/mockttp-proxy.mjs, recording through the events;
//  - mitmdump (mitmproxy): `-w FILE` to record, or without, its CA generated fresh in the
//    bench's temp folder (`confdir`), `-q` as tcpscope runs `--quiet`; `stream` adds
//    `stream_large_bodies=1m`: bodies over 1 MiB pass as they come instead of being held whole
//    first (mitmdump's default), and are then neither shown nor written to the flow file.
// After a case, `checkRecording` compares what each recorder kept with what the client got.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, requireProgram } from './peers.mjs'
import { ProxyProcess } from './proc.mjs'

const BENCH = dirname(dirname(fileURLToPath(import.meta.url)))

/**
 * Where the client reaches each proxy: IPv6's loopback, while the proxies reach nginx over
 * IPv4's. mockttp refuses a request as a loop when the client's address and port are those of
 * one of its own open upstream connections (`isSocketLoop`). With both legs on 127.0.0.1,
 * at thousands of new connections a second the kernel gives a client an ephemeral port that
 * one of mockttp's pooled upstream connections holds (toward another address, so both can
 * be open), and mockttp answered 500 `Passthrough loop detected` (five cases of six in the
 * first quiet run). Binding the client to 127.0.0.2 instead halved every proxy's new
 * connections (each connect then searches for a free port). The same leg for every proxy;
 * IPv4's where the machine has no IPv6.
 */
export const CLIENT_LEG = Object.values(networkInterfaces())
  .flat()
  .some((a) => a?.address === '::1')
  ? '::1'
  : '127.0.0.1' // no IPv6 here: as before, and mockttp's new-connection cases may fail

/** `host:port` as a listen address (an IPv6 address in brackets). */
const listenAddress = (host, port) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)

/** The cases, in table order: what each runs. */
export const PEER_CASES = {
  tcpscope: 'tcpscope proxy --forward --capture FILE',
  mockttp: 'mockttp pass-through, kept through its request/response events',
  'mitmdump-w': 'mitmdump -w FILE',
  mitmdump: 'mitmdump, recording nothing',
  'mitmdump-stream': 'mitmdump -w FILE --set stream_large_bodies=1m'
}

/** Fails with the package to install when a peer is missing. */
export async function requirePeers(cases) {
  if (cases.some((c) => c.startsWith('mitmdump'))) requireProgram('mitmdump', 'mitmproxy')
  if (cases.includes('mockttp')) {
    try {
      await import('mockttp')
    } catch {
      throw new Error('mockttp (HTTP Toolkit\'s engine) is not installed, and the bench compares against it: it is a devDependency of tcpscope (npm install)')
    }
  }
}

/**
 * Starts `kase` fresh. `ctx`: {cli, dataDir, tcpscopeCa, upstreamCa, tmp}; `file`: where it
 * records (tcpscope's capture, mitmdump's flows). Resolves {proxy, ca (the PEM the client
 * trusts), file}.
 */
export async function startPeer(kase, ctx, file) {
  if (kase === 'tcpscope') {
    const argv = [ctx.cli, 'proxy', '--listen', listenAddress(CLIENT_LEG, 0), '--forward', '--upstream-ca', ctx.upstreamCa, '--capture', file, '--json', '--quiet']
    return { proxy: await ProxyProcess.start('tcpscope proxy --forward', argv, { env: { TCPSCOPE_DATA_DIR: ctx.dataDir } }), ca: ctx.tcpscopeCa, file }
  }
  if (kase === 'mockttp') {
    const ca = join(ctx.tmp, 'mockttp-ca.pem')
    // The origin's CA joins Node's default roots (NODE_EXTRA_CA_CERTS), as a public site's is
    // among the system's: mockttp's `additionalTrustedCAs` builds a TLS context of all the roots
    // plus that CA for every upstream connection, about 20 ms of CPU each here, which is no
    // cost a user of HTTP Toolkit pays against a public site.
    const proxy = await ProxyProcess.start('mockttp', [join(BENCH, 'mockttp-proxy.mjs'), '--ca-out', ca], { env: { NODE_EXTRA_CA_CERTS: ctx.upstreamCa } })
    return { proxy, ca }
  }
  const port = await freePort(CLIENT_LEG)
  const confdir = join(ctx.tmp, 'mitmproxy')
  const record = kase === 'mitmdump' ? [] : ['-w', file]
  const stream = kase.endsWith('stream') ? ['--set', 'stream_large_bodies=1m'] : []
  const args = ['--listen-host', CLIENT_LEG, '-p', String(port), '-q', '--set', `confdir=${confdir}`, '--set', `ssl_verify_upstream_trusted_ca=${ctx.upstreamCa}`, ...record, ...stream]
  // Its first start writes a new CA (and DH parameters) before it listens.
  const proxy = await ProxyProcess.start(kase, args, { command: 'mitmdump', listenAt: { host: CLIENT_LEG, port }, startTimeoutMs: 60_000 })
  return { proxy, ca: join(confdir, 'mitmproxy-ca-cert.pem'), file: record.length ? file : undefined }
}

/** The last {"type":"summary"} line a proxy printed, if any. */
function summaryOf(lines) {
  let summary
  for (const line of lines) {
    try {
      const m = JSON.parse(line)
      if (m?.type === 'summary') summary = m
    } catch {}
  }
  return summary
}

/**
 * What a stopped peer kept against what the client got (`requests` answers, `bodyBytes` of
 * bodies): a list of problems, empty when it kept everything. tcpscope: its summary's
 * forwarded and recorded bytes agree, the file is the size it says and holds at least the
 * bodies. mockttp: its events carried every answer and body. mitmdump -w: the flow file holds
 * at least the bodies, except those it streamed (`streamed`: bodies over its threshold, which
 * it does not write).
 */
export function checkRecording(kase, stop, file, { requests, bodyBytes, streamed = false }) {
  const problems = []
  if (kase === 'tcpscope') {
    const s = summaryOf(stop.lines)
    if (!s) return [`tcpscope printed no {"type":"summary"} line on exit; its last output: ${stop.lines.slice(-3).join(' | ').slice(0, 300) || '(none)'}`]
    if (s.bytes && s.recorded && (s.bytes.client !== s.recorded.client || s.bytes.server !== s.recorded.server)) problems.push(`tcpscope forwarded ${s.bytes.client} + ${s.bytes.server} bytes but recorded ${s.recorded.client} + ${s.recorded.server}`)
    const size = existsSync(file) ? statSync(file).size : 0
    if (s.captureBytes !== size) problems.push(`tcpscope's summary says the capture holds ${s.captureBytes} bytes, the file has ${size}`)
    if (size < bodyBytes) problems.push(`CAPTURE TOO SMALL: ${size} bytes for ${bodyBytes} bytes of bodies the client got`)
  } else if (kase === 'mockttp') {
    const s = summaryOf(stop.lines)
    if (!s) return [`mockttp printed no summary on exit; stderr: ${stop.stderr.trim().slice(0, 300) || '(empty)'}`]
    if (s.responses < requests) problems.push(`mockttp's response events carried ${s.responses} answers, the client got ${requests}`)
    if (s.bodyBytes < bodyBytes) problems.push(`mockttp's events carried ${s.bodyBytes} bytes of bodies, the client got ${bodyBytes}`)
  } else if (file && !streamed) {
    const size = existsSync(file) ? statSync(file).size : 0
    if (size < bodyBytes) problems.push(`mitmdump's flow file holds ${size} bytes, for ${bodyBytes} bytes of bodies the client got`)
  }
  return problems
}

/** The PEM a case's client trusts, read once it exists. */
export function readCa(path) {
  const pem = readFileSync(path, 'utf8')
  if (!pem.includes('BEGIN CERTIFICATE')) throw new Error(`${path} holds no PEM certificate`)
  return pem
}

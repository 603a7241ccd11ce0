#!/usr/bin/env node
// HTTP Toolkit's engine, mockttp, as the peers bench runs it (bench/peers.mjs): a pass-through
// HTTP and HTTPS forward proxy with a CA of its own, generated at start
// (`generateCACertificate`) and written to --ca-out for the client to trust, recording the
// way HTTP Toolkit does: it subscribes to the `request` and `response` events, which carry
// each exchange whole (head and body, buffered by mockttp), and keeps every one in memory
// (HTTP Toolkit keeps them in its UI's process; here they stay in this one, so the bench's
// memory figure is the two together). In its own process, so its CPU and memory are its own.
//   node bench/mockttp-proxy.mjs --ca-out FILE [--no-record]
// It verifies the origin against Node's roots: give it the origin's CA with NODE_EXTRA_CA_CERTS.
// Prints {"type":"listening","listen":"[::]:PORT"} first; on SIGTERM it stops and prints
// {"type":"summary","requests":N,"responses":N,"bodyBytes":N} (what the recorder holds).
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { generateCACertificate, getLocal } from 'mockttp'

const { values: a } = parseArgs({ options: { 'ca-out': { type: 'string' }, 'no-record': { type: 'boolean', default: false } } })
if (!a['ca-out']) {
  process.stderr.write('mockttp-proxy: --ca-out FILE is required (where its CA certificate goes, for the client to trust)\n')
  process.exit(2)
}

const ca = await generateCACertificate({ subject: { commonName: 'mockttp bench CA' } })
writeFileSync(a['ca-out'], ca.cert)
// HTTP Toolkit's own settings (its UI's proxy store): no CORS handling, no suggested changes,
// HTTP/2 where the client offers it. Traffic is kept through the events, not mockttp's own
// per-rule record.
const server = getLocal({ https: { key: ca.key, cert: ca.cert }, cors: false, suggestChanges: false, http2: 'fallback', recordTraffic: false })

const exchanges = []
let responses = 0
let bodyBytes = 0
if (!a['no-record']) {
  await server.on('request', (req) => {
    exchanges.push({ request: req, response: undefined })
    bodyBytes += req.body.buffer.length
  })
  await server.on('response', (res) => {
    responses++
    bodyBytes += res.body.buffer.length
    exchanges.push({ request: undefined, response: res })
  })
}
await server.forAnyRequest().thenPassThrough()
await server.start({ startPort: 20000, endPort: 60000 })
// On every address (mockttp listens on all of them): the bench's client comes over IPv6's loopback.
process.stdout.write(JSON.stringify({ type: 'listening', listen: `[::]:${server.port}` }) + '\n')

process.once('SIGTERM', () => {
  server.stop().then(
    () => {
      const requests = exchanges.filter((e) => e.request).length
      process.stdout.write(JSON.stringify({ type: 'summary', requests, responses, bodyBytes }) + '\n', () => process.exit(0))
    },
    (err) => {
      process.stderr.write(`mockttp-proxy: stop failed: ${err?.message ?? err}\n`)
      process.exit(1)
    }
  )
})

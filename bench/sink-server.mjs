// The bench's server, in its own process (forked with an IPC channel by run.mjs):
//  - sink port: counts and checks what each connection sends; when the client half-closes
//    it answers one line `{"bytes":N,"bad":B,"firstBadAt":F}` and closes.
//  - echo port: sends back whatever it receives (latency and churn phases).
// Over IPC: {cmd:'stats'} -> totals since the last {cmd:'reset'}.
import { createServer } from 'node:net'
import { StreamChecker } from './lib/pattern.mjs'

const HOST = '127.0.0.1'
let totals = fresh()
function fresh() {
  return { sinkConns: 0, sinkBytes: 0, sinkBadChunks: 0, sinkOpen: 0, echoConns: 0, echoBytes: 0, errors: 0, errorCodes: {} }
}
function noteError(err) {
  totals.errors++
  const code = err.code ?? 'ERROR'
  totals.errorCodes[code] = (totals.errorCodes[code] ?? 0) + 1
}

const sink = createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
  totals.sinkConns++
  totals.sinkOpen++
  const checker = new StreamChecker()
  s.on('data', (chunk) => {
    checker.check(chunk)
    totals.sinkBytes += chunk.length
  })
  s.on('end', () => {
    totals.sinkBadChunks += checker.bad
    s.end(JSON.stringify({ bytes: checker.pos, bad: checker.bad, firstBadAt: checker.firstBadAt }) + '\n')
  })
  s.on('error', noteError)
  s.on('close', () => totals.sinkOpen--)
})

const echo = createServer({ noDelay: true }, (s) => {
  totals.echoConns++
  s.on('data', (chunk) => (totals.echoBytes += chunk.length))
  s.on('error', noteError)
  s.pipe(s)
})
sink.on('error', fatal)
echo.on('error', fatal)
function fatal(err) {
  process.send?.({ type: 'fatal', message: String(err && err.message) })
  process.exit(1)
}

await new Promise((r) => sink.listen(0, HOST, r))
await new Promise((r) => echo.listen(0, HOST, r))
process.on('message', (m) => {
  if (m.cmd === 'stats') process.send({ type: 'stats', id: m.id, totals })
  else if (m.cmd === 'reset') {
    totals = fresh()
    process.send({ type: 'reset', id: m.id })
  }
})
// The parent went away (even by SIGKILL): do not linger.
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready', sink: `${HOST}:${sink.address().port}`, echo: `${HOST}:${echo.address().port}` })

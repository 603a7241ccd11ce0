// The peers bench's report (bench/peers.mjs): each case's figures (medians over rounds), then
// tcpscope ÷ each peer, each round's ratio of the two cases run in that round, median over
// rounds with the range. Every ratio reads "above 1: tcpscope is ahead": rates are tcpscope's
// over the peer's, latency, memory and CPU the peer's over tcpscope's.
import { fmt, median, table } from './stats.mjs'

/** The table's rows: the phase, what is read from a record, its unit, and whether lower is better. */
export const ROWS = [
  { phase: 'rate', title: 'keep-alive 1 KiB GETs', unit: 'req/s', get: (r) => r.rate },
  { phase: 'download', title: 'download', unit: 'MiB/s', get: (r) => r.rate },
  { phase: 'connections', title: 'new connections (https: CONNECT + TLS each)', unit: '/s', get: (r) => r.rate },
  { phase: 'latency', title: 'sequential GET p50', unit: 'µs', get: (r) => r.p50Us, lower: true },
  { phase: 'latency', title: 'sequential GET p99', unit: 'µs', get: (r) => r.p99Us, lower: true },
  { phase: 'volume', title: 'RSS after 1 GiB', unit: 'MiB', get: (r) => r.rss / 1024 ** 2, lower: true },
  { phase: 'volume', title: 'peak RSS', unit: 'MiB', get: (r) => r.hwm / 1024 ** 2, lower: true },
  { phase: 'volume', title: 'proxy CPU per GiB', unit: 's', get: (r) => r.cpuPerGiB, lower: true },
  { phase: 'rate', title: 'proxy CPU per 1,000 GETs', unit: 's', get: (r) => (r.proxyCpuS / r.requests) * 1000, lower: true },
  { phase: 'connections', title: 'proxy CPU per connection', unit: 'ms', get: (r) => (r.proxyCpuS / r.requests) * 1000, lower: true }
]

const find = (records, q) => records.filter((r) => r.phase === q.phase && r.scheme === q.scheme && r.case === q.case && (q.round === undefined || r.round === q.round))

/** A case's cell: the median, or why there is none. */
function cell(records, row, scheme, kase, limitSeconds) {
  const rs = find(records, { phase: row.phase, scheme, case: kase })
  if (!rs.length) return ''
  if (row.phase === 'download' && rs.every((r) => r.timedOut)) return `nothing in ${limitSeconds} s`
  const ok = rs.filter((r) => r.ok && !r.timedOut)
  if (!ok.length) return 'failed'
  return fmt(median(ok.map(row.get)), row.unit === 's' || row.unit === 'ms' ? 2 : row.unit === 'MiB/s' ? 0 : 0)
}

/** Each round's tcpscope ÷ peer (inverted for lower-is-better), median and range; or why not. */
function ratio(records, row, scheme, peer, rounds, limitSeconds) {
  const xs = []
  let peerTimedOut = false
  for (let round = 1; round <= rounds; round++) {
    const t = find(records, { phase: row.phase, scheme, case: 'tcpscope', round })[0]
    const p = find(records, { phase: row.phase, scheme, case: peer, round })[0]
    if (!t || !p || !t.ok || !p.ok) continue
    if (p.timedOut) {
      peerTimedOut = true
      continue
    }
    if (t.timedOut) continue
    const a = row.get(t)
    const b = row.get(p)
    if (a > 0 && b > 0) xs.push(row.lower ? b / a : a / b)
  }
  if (!xs.length) return peerTimedOut ? `∞ (nothing in ${limitSeconds} s)` : find(records, { phase: row.phase, scheme, case: peer }).length ? 'failed' : ''
  const m = median(xs)
  return xs.length > 1 ? `${m.toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})` : m.toFixed(2)
}

/** Prints both tables; `o`: {cases, schemes, phases, rounds, limitSeconds, titles}. */
export function printReport(records, o) {
  const rows = ROWS.filter((r) => o.phases.includes(r.phase))
  const label = (row, scheme) => `${row.title}, ${scheme} (${row.unit})`
  console.log(`\nEach case's figures, median over ${o.rounds} round(s)`)
  const abs = [['', ...o.cases]]
  for (const scheme of o.schemes) for (const row of rows) abs.push([label(row, scheme), ...o.cases.map((c) => cell(records, row, scheme, c, o.limitSeconds))])
  console.log(table(abs))
  const peers = o.cases.filter((c) => c !== 'tcpscope')
  if (!o.cases.includes('tcpscope') || !peers.length) return
  console.log(`\ntcpscope ÷ each peer: above 1, tcpscope is ahead (latency, memory and CPU: the peer's ÷ tcpscope's); each round's ratio, median (range)`)
  const rel = [['', ...peers.map((p) => `÷ ${p}`)]]
  for (const scheme of o.schemes) for (const row of rows) rel.push([label(row, scheme), ...peers.map((p) => ratio(records, row, scheme, p, o.rounds, o.limitSeconds))])
  console.log(table(rel))
  console.log('\nCases:')
  for (const c of o.cases) console.log(`  ${c.padEnd(16)} ${o.titles[c]}`)
}

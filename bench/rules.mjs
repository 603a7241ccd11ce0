// What a traffic rule and a script cost (issue 44): wrk's keep-alive GETs of one ~1 KiB
// answer through `tcpscope proxy`, with no rule, with a rule that matches nothing, with a
// rule for another target (which gives these connections no stage), with a response rewrite
// on every request, with a mock on every request, and with a script whose hooks pass every
// request and response through. Cases take turns round by round; each
// prints requests a second and its ratio to the proxy with no rule. Run after a build:
//   npm run build:cli && node bench/rules.mjs [--quick] [--rounds N]
import { fork, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { hasWrk, runWrk } from './lib/wrk.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
// TCPSCOPE_CLI: another built CLI (a copy, while the checkout is being rebuilt).
const CLI = process.env.TCPSCOPE_CLI ?? join(HERE, '..', 'bin', 'tcpscope.js')
const args = process.argv.slice(2)
const QUICK = args.includes('--quick')
const ROUNDS = Number(args[args.indexOf('--rounds') + 1]) || (QUICK ? 1 : 3)
const SECONDS = QUICK ? 2 : 5
const CONNECTIONS = 16
const log = (m) => process.stderr.write(`${m}\n`)

if (!hasWrk()) {
  log('bench/rules: wrk is not installed (Debian: apt-get install wrk)')
  process.exit(1)
}

const dir = mkdtempSync(join(tmpdir(), 'tcpscope-bench-rules-'))
const file = (name, text) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
const CASES = [
  { id: 'none', title: 'no rule', flags: [] },
  { id: 'miss', title: 'a rule that matches nothing', flags: ['--rules', file('miss.json', JSON.stringify({ rules: [{ match: { http: { path: '/never' } }, steps: [{ respond: { body: 'x' } }] }] }))] },
  { id: 'elsewhere', title: 'a rule for another target (the connection keeps the fast path)', flags: ['--rules', file('elsewhere.json', JSON.stringify({ rules: [{ match: { connection: { targetPort: 1 } }, steps: [{ respond: { body: 'x' } }] }] }))] },
  { id: 'rewrite', title: 'a response rewrite on every request (a header set)', flags: ['--rules', file('rewrite.json', JSON.stringify({ rules: [{ match: { http: { path: '/api/*' } }, steps: [{ rewrite: { response: { headers: { 'x-rewritten': 'yes' } } } }] }] }))] },
  { id: 'mock', title: 'a mock answering every request', flags: ['--rules', file('mock.json', JSON.stringify({ rules: [{ match: { http: { path: '/api/*' } }, steps: [{ respond: { json: { mocked: true } } }] }] }))] },
  { id: 'script', title: 'a pass-through script (onRequest and onResponse return nothing)', flags: ['--script', file('pass.mjs', 'export function onRequest(req) {}\nexport function onResponse(res, req) {}\n')] }
]

function httpServer() {
  const child = fork(join(HERE, 'http-server.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m.type === 'ready' ? resolve({ child, addr: m.http }) : reject(new Error(m.message))))
  })
}

function startProxy(target, flags) {
  const child = spawn(process.execPath, [CLI, 'proxy', '--listen', '127.0.0.1:0', '--target', target, '--capture', join(dir, `c-${Date.now()}.tcap`), '--json', '--quiet', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (l) => {
      const m = JSON.parse(l)
      if (m.type === 'listening') resolve({ child, port: Number(m.listen.slice(m.listen.lastIndexOf(':') + 1)) })
    })
    child.once('exit', (code) => reject(new Error(`tcpscope proxy exited (${code})`)))
  })
}

const stop = (child) => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGINT'))))

const server = await httpServer()
const results = Object.fromEntries(CASES.map((c) => [c.id, []]))
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of CASES) {
      const proxy = await startProxy(server.addr, c.flags)
      try {
        const r = await runWrk({ url: `http://127.0.0.1:${proxy.port}/api/items/1`, connections: CONNECTIONS, seconds: SECONDS })
        if (r.errors > 0) throw new Error(`${c.id}: wrk saw ${r.errors} errors`)
        results[c.id].push(r.perSecond)
        log(`round ${round} ${c.id.padEnd(8)} ${Math.round(r.perSecond)} requests/s`)
      } finally {
        await stop(proxy.child)
      }
    }
  }
} finally {
  server.child.kill()
  rmSync(dir, { recursive: true, force: true })
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const base = median(results.none)
console.log(`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s keep-alive GETs of one ~1 KiB answer through tcpscope proxy, medians of ${ROUNDS} round(s), node ${process.version}`)
console.log('| case | requests/s | ÷ no rule |')
console.log('|---|---|---|')
for (const c of CASES) console.log(`| ${c.title} | ${Math.round(median(results[c.id]))} | ${(median(results[c.id]) / base).toFixed(2)} |`)

// Child processes for the bench: every one is tracked so it can be killed on the way out
// (normal end, error, or the bench itself being interrupted), plus /proc readers for the
// per-process CPU time and memory that the bench reports.
import { execFileSync, fork, spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'

/** Clock ticks per second for /proc/<pid>/stat utime and stime (usually 100). */
export const CLK_TCK = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    if (Number.isFinite(n) && n > 0) return n
  } catch {}
  return 100
})()

/** The checkout's commit, for a bench's raw results ('unknown' outside git). */
export function gitCommit(root) {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

/** utime and stime of a live process, in seconds (all its threads). */
export function cpuTimes(pid) {
  return statTimes(`/proc/${pid}/stat`)
}

/** The CPU time of a process's main thread alone (its task whose id is the pid), for the share a single thread must carry. */
export function mainThreadCpuSeconds(pid) {
  const t = statTimes(`/proc/${pid}/task/${pid}/stat`)
  return t.user + t.sys
}

function statTimes(path) {
  const stat = readFileSync(path, 'utf8')
  // Field 2 (comm) may hold spaces and parentheses; the fields after it start past the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(rest[14 - 3]) / CLK_TCK, sys: Number(rest[15 - 3]) / CLK_TCK }
}

/** utime + stime of a live process, in seconds (all its threads). */
export function cpuSeconds(pid) {
  const t = cpuTimes(pid)
  return t.user + t.sys
}

/** VmRSS and VmHWM of a live process, in bytes. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
    return m ? Number(m[1]) * 1024 : NaN
  }
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') }
}

const children = new Set()

function track(child, name) {
  child.benchName = name
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Kills every child still running (by its own pid), synchronously. Safe to call often. */
export function killAll(signal = 'SIGKILL') {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue
    try {
      process.kill(c.pid, signal)
    } catch {}
  }
}

/**
 * A bench's way out, normal or by a signal: its child processes are killed and its temp
 * folder (`tempDir()`, when there is one) removed. Returns the cleanup, to call on the way
 * out of a failure too.
 */
export function cleanUpOnExit(tempDir) {
  const cleanup = () => {
    killAll()
    // One temp folder, or several (run.mjs's --dir pair).
    for (const dir of [tempDir()].flat()) if (dir) rmSync(dir, { recursive: true, force: true })
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}: killing child processes and removing temp files\n`)
      cleanup()
      process.exit(130)
    })
  }
  process.on('exit', () => killAll())
  return cleanup
}

export function liveChildren() {
  return [...children].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => `${c.benchName} (pid ${c.pid})`)
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms)))
  ]).finally(() => clearTimeout(timer))
}

/** Whether a TCP socket listens on `port` (IPv4 or IPv6, any address), from /proc/net/tcp and tcp6. */
function listensOn(port) {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((table) => {
    let text
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      return false // no IPv6 here
    }
    return text.split('\n').some((line) => {
      const f = line.trim().split(/\s+/)
      return f[1]?.endsWith(hex) && f[3] === '0A' // 0A: LISTEN
    })
  })
}

/** Resolves once `port` listens; gives up when `exit` settles first (the caller reports that). */
async function waitListening(port, exit) {
  let gone = false
  void exit.then(() => (gone = true))
  while (!gone) {
    if (listensOn(port)) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`exited before port ${port} listened`) // the exit handler has already rejected `ready`, with its output
}

/**
 * A Node helper forked with an IPC channel. `request(msg, type)` sends a message and waits
 * for the next reply of that type; a {type:'error'} reply or the child's exit rejects.
 */
export class Helper {
  /** `env`: variables added to the bench's own environment. */
  constructor(script, args, name, { env } = {}) {
    this.name = name
    this.child = track(fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: env ? { ...process.env, ...env } : undefined }), name)
    this.pid = this.child.pid
    this.exit = exited(this.child)
    this.waiters = []
    this.child.on('message', (m) => {
      const i = this.waiters.findIndex((w) => w.type === m.type || m.type === 'error' || m.type === 'fatal')
      if (i < 0) return
      const [w] = this.waiters.splice(i, 1)
      if (m.type === 'error' || m.type === 'fatal') w.reject(new Error(`${name}: ${m.message}`))
      else w.resolve(m)
    })
    this.exit.then(({ code, signal }) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`${name} exited (code ${code}, signal ${signal})`))
    })
  }

  wait(type, timeoutMs = 60_000) {
    const p = new Promise((resolve, reject) => this.waiters.push({ type, resolve, reject }))
    return withTimeout(p, timeoutMs, this.name)
  }

  request(msg, type, timeoutMs) {
    const p = this.wait(type, timeoutMs)
    this.child.send(msg)
    return p
  }

  async close() {
    if (this.child.connected) this.child.disconnect()
    const t = setTimeout(() => this.kill(), 5000)
    await this.exit
    clearTimeout(t)
  }

  kill() {
    try {
      process.kill(this.pid, 'SIGKILL')
    } catch {}
  }
}

/**
 * A proxy under test (tcpscope or the bare forwarder), started as `node <argv...>`. It must
 * print {"type":"listening","listen":"HOST:PORT",...} as its first stdout line; SIGTERM
 * stops it. Everything it prints is kept.
 */
export class ProxyProcess {
  static async start(name, argv, { startTimeoutMs = 20_000, env, command, listenAt } = {}) {
    const p = new ProxyProcess(name, argv, env, command, listenAt)
    await withTimeout(p.ready, startTimeoutMs, `${name} start`).catch((err) => {
      p.kill()
      throw err
    })
    return p
  }

  /**
   * `env`: variables added to the bench's own environment. `command`: run instead of node
   * (haproxy, redis-server). `listenAt` ({host, port}): a program that prints no listening
   * line is ready once that port listens (seen in /proc/net/tcp, so no probe connection
   * reaches the target).
   */
  constructor(name, argv, env, command = process.execPath, listenAt) {
    this.name = name
    this.argv = argv
    this.lines = []
    this.stderr = ''
    this.child = track(spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : undefined }), name)
    this.pid = this.child.pid
    this.exit = exited(this.child)
    this.closed = new Promise((resolve) => this.child.once('close', resolve))
    let buf = ''
    let resolveReady, rejectReady
    this.ready = new Promise((res, rej) => ((resolveReady = res), (rejectReady = rej)))
    this.child.on('error', (err) => rejectReady(new Error(`${name}: cannot start: ${err.message}`)))
    if (listenAt) {
      this.lines.push('') // no listening line to wait for: the rest of its stdout is kept from lines[1]
      void waitListening(listenAt.port, this.exit).then(() => {
        this.info = { type: 'listening', listen: `${listenAt.host}:${listenAt.port}` }
        this.host = listenAt.host
        this.port = listenAt.port
        this.startMemory = memory(this.pid)
        resolveReady(this)
      }, rejectReady)
    }
    this.child.stdout.setEncoding('utf8')
    this.child.stdout.on('data', (d) => {
      buf += d
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        this.lines.push(line)
        if (this.lines.length === 1) this.onFirstLine(line, resolveReady, rejectReady)
      }
    })
    this.child.stdout.on('end', () => {
      if (buf) this.lines.push(buf)
    })
    this.child.stderr.setEncoding('utf8')
    this.child.stderr.on('data', (d) => {
      if (this.stderr.length < 64 * 1024) this.stderr += d
    })
    this.exit.then(({ code, signal }) => {
      const err = this.stderr.trim()
      rejectReady(
        new Error(
          `${name} exited (code ${code}, signal ${signal}) before printing its listening line` +
            (this.lines.length ? `; stdout: ${this.lines.join(' | ').slice(0, 500)}` : '; no stdout') +
            (err ? `; stderr: ${err.slice(0, 500)}` : '')
        )
      )
    })
  }

  onFirstLine(line, resolve, reject) {
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      return reject(new Error(`${this.name}: first stdout line is not JSON: ${line.slice(0, 200)}`))
    }
    if (msg.type !== 'listening' || typeof msg.listen !== 'string') {
      return reject(new Error(`${this.name}: first stdout line is not a {"type":"listening",...} object: ${line.slice(0, 200)}`))
    }
    const i = msg.listen.lastIndexOf(':')
    const port = Number(msg.listen.slice(i + 1))
    if (i < 0 || !(port > 0)) return reject(new Error(`${this.name}: bad "listen" in ${line.slice(0, 200)}`))
    this.info = msg
    this.host = msg.listen.slice(0, i).replace(/^\[|\]$/g, '')
    this.port = port
    // Memory right after start: the baseline for RSS growth.
    this.startMemory = memory(this.pid)
    resolve(this)
  }

  /** SIGTERM (or `stopSignal`), then waits for the exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 120_000) {
    const t0 = performance.now()
    try {
      process.kill(this.pid, this.stopSignal ?? 'SIGTERM')
    } catch {}
    let timedOut = false
    const t = setTimeout(() => {
      timedOut = true
      this.kill()
    }, timeoutMs)
    const { code, signal } = await this.exit
    clearTimeout(t)
    // Let its stdout drain (the summary it prints on the way out).
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))])
    return { code, signal, timedOut, ms: performance.now() - t0, lines: this.lines.slice(1), stderr: this.stderr }
  }

  kill() {
    try {
      process.kill(this.pid, 'SIGKILL')
    } catch {}
  }
}

/**
 * utime + stime, in seconds, of `pid` and every process below it (children, theirs, ...) that
 * is alive now: e.g. a browser and its renderer, GPU and utility processes.
 */
export function treeCpuSeconds(pid) {
  const parentOf = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {} // gone since the listing
  }
  const inTree = (p) => {
    for (let at = p, hops = 0; at > 1 && hops < 64; at = parentOf.get(at) ?? 0, hops++) if (at === pid) return true
    return false
  }
  let seconds = 0
  for (const p of parentOf.keys()) {
    if (!inTree(p)) continue
    try {
      seconds += cpuSeconds(p)
    } catch {}
  }
  return seconds
}

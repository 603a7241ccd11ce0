// `npm start` (scripts/start.mjs) as a real process, with Electron's installer and launcher
// replaced by small scripts that note they ran: the app opens in Electron when its binary is
// there or can be installed, and in web mode, with one line saying why, only when it cannot.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/net'

const START = resolve(__dirname, '../../scripts/start.mjs')

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Setup {
  dir: string
  /** What the stubs were run with, in order: ['installer'] or ['launcher', ...args]. */
  marks(): string[][]
  env: NodeJS.ProcessEnv
}

/** Stub installer (exits with `installExit`, printing a stack trace when it fails) and launcher; no binary unless `binary`. */
function setup({ installExit = 0, binary = false, hang = false }: { installExit?: number; binary?: boolean; hang?: boolean } = {}): Setup {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const marks = join(dir, 'marks')
  const note = (who: string): string =>
    `import { appendFileSync } from 'node:fs'\nappendFileSync(${JSON.stringify(marks)}, JSON.stringify([${JSON.stringify(who)}, ...process.argv.slice(2)]) + '\\n')\n`
  writeFileSync(
    join(dir, 'installer.mjs'),
    note('installer') +
      (hang
        ? 'setInterval(() => {}, 60_000)\n'
        : installExit === 0
        ? ''
        : `console.error('Error: getaddrinfo ENOTFOUND github.com\\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:120:26)')\nprocess.exit(${installExit})\n`)
  )
  writeFileSync(join(dir, 'launcher.mjs'), note('launcher'))
  const dist = join(dir, 'dist')
  mkdirSync(dist)
  if (binary) writeFileSync(join(dist, 'electron'), '')
  const env = { ...process.env }
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD
  return {
    dir,
    marks: () =>
      existsSync(marks)
        ? readFileSync(marks, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as string[])
        : [],
    env: {
      ...env,
      ELECTRON_OVERRIDE_DIST_PATH: dist,
      TCPSCOPE_ELECTRON_INSTALLER: join(dir, 'installer.mjs'),
      TCPSCOPE_ELECTRON_LAUNCHER: join(dir, 'launcher.mjs'),
      // The global setup built out/ already.
      TCPSCOPE_SKIP_BUILD: '1'
    }
  }
}

interface Started {
  child: ChildProcess
  stdout: string[]
  stderr: () => string
  /** Resolves with the first stdout line matching, or rejects when the script ends first. */
  line(match: RegExp): Promise<string>
  exited: Promise<number | null>
}

function start(env: NodeJS.ProcessEnv, args: string[] = []): Started {
  const child = spawn(process.execPath, [START, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout: string[] = []
  let stderr = ''
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  const lines = createInterface({ input: child.stdout! })
  lines.on('line', (l) => stdout.push(l))
  // 'close', not 'exit': the script (and web mode, which shares its pipes) can be gone while
  // its last lines are still in them, and the tests read those lines once it has ended.
  const exited = once(child, 'close').then(([code]) => code as number | null)
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT')
      await exited
    }
  })
  const line = (match: RegExp): Promise<string> =>
    new Promise((resolveLine, reject) => {
      const seen = stdout.find((l) => match.test(l))
      if (seen !== undefined) return resolveLine(seen)
      const onLine = (l: string): void => {
        if (match.test(l)) {
          lines.off('line', onLine)
          resolveLine(l)
        }
      }
      lines.on('line', onLine)
      void exited.then((code) => reject(new Error(`start.mjs ended (${code}) before a line matching ${match}:\n${stdout.join('\n')}\n${stderr}`)))
    })
  return { child, stdout, stderr: () => stderr, line, exited }
}

/** The lines start.mjs itself wrote to stderr. */
const saidLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('tcpscope: '))

/** Web mode came up: its URL is printed; SIGINT stops it (passed on by the script) and the script ends with it. */
async function expectWebMode(s: Started): Promise<void> {
  await s.line(/^tcpscope: web mode at http:\/\/127\.0\.0\.1:\d+\//)
  s.child.kill('SIGINT')
  expect(await s.exited).toBe(0)
  expect(s.stdout.join('\n')).toMatch(/tcpscope: stopped \(SIGINT\)/)
}

describe('npm start (scripts/start.mjs)', () => {
  it('launches Electron when its binary is there, without installing anything', async () => {
    const t = setup({ binary: true })
    const s = start(t.env, ['--some-arg'])
    expect(await s.exited).toBe(0)
    expect(t.marks()).toEqual([['launcher', 'preview', '--some-arg']])
    expect(s.stderr()).toBe('')
  })

  it('installs the binary when it is missing, with a message, then launches Electron', async () => {
    const t = setup({ installExit: 0 })
    const s = start(t.env)
    expect(await s.exited).toBe(0)
    expect(t.marks()).toEqual([['installer'], ['launcher', 'preview']])
    expect(saidLines(s.stderr())).toEqual([expect.stringMatching(/^tcpscope: Electron's binary is not downloaded yet; downloading it now \(once; up to 300 s\)/)])
  })

  it('falls back to web mode, saying why in one line, when the install fails', async () => {
    const t = setup({ installExit: 1 })
    const s = start(t.env)
    await expectWebMode(s)
    expect(t.marks()).toEqual([['installer']])
    const said = saidLines(s.stderr())
    expect(said.filter((l) => l.startsWith('tcpscope: no Electron'))).toEqual([
      'tcpscope: no Electron (its binary could not be downloaded: Error: getaddrinfo ENOTFOUND github.com); the app opens in your browser instead (web mode): open the URL below'
    ])
    // The installer's stack trace is summed up, not shown.
    expect(s.stderr()).not.toContain('GetAddrInfoReqWrap')
  })

  it('gives up on a download that outlasts its time limit, and falls back to web mode saying so', async () => {
    const t = setup({ hang: true })
    const s = start({ ...t.env, TCPSCOPE_ELECTRON_INSTALL_TIMEOUT_S: '1' })
    await expectWebMode(s)
    expect(t.marks()).toEqual([['installer']])
    expect(saidLines(s.stderr()).filter((l) => l.startsWith('tcpscope: no Electron'))).toEqual([
      'tcpscope: no Electron (its binary could not be downloaded: the download took longer than 1 s); the app opens in your browser instead (web mode): open the URL below'
    ])
  })

  it('falls back to web mode without trying to download when ELECTRON_SKIP_BINARY_DOWNLOAD is set', async () => {
    const t = setup()
    const s = start({ ...t.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })
    await expectWebMode(s)
    expect(t.marks()).toEqual([])
    expect(saidLines(s.stderr()).filter((l) => l.startsWith('tcpscope: no Electron'))).toEqual([
      'tcpscope: no Electron (ELECTRON_SKIP_BINARY_DOWNLOAD is set, so its binary is not downloaded); the app opens in your browser instead (web mode): open the URL below'
    ])
  })
})

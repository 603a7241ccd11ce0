// What the CLI writes never costs a file by accident: `export -o` goes to stdout when told
// so (even into a pipe), refuses FIFOs, devices, existing files without --force and a
// capture another process is recording even with it, and a failed export keeps what was
// there; `--capture` refuses FIFOs and devices in one line instead of freezing; the
// temporary capture is its owner's alone.
import { afterEach, describe, expect, it } from 'vitest'
import { execFile, execFileSync } from 'node:child_process'
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CLI, CliProcess, runCli } from '../helpers/cli'
import { connectTo, startServer, tempDir } from '../helpers/net'
import { startCliProxy } from '../helpers/cli-proxy'
import { walkRecords, TYPE } from '../helpers/capture-file'
import { startEngine } from '../../src/cli/engine-run'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tmp(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

/** One stderr line, `tcpscope: ...`, and exit code 1. */
async function fails(args: string[]): Promise<string> {
  const r = await runCli(args)
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr).not.toMatch(/Warning|at .+:\d+:\d+/)
  expect(r.code).toBe(1)
  return r.stderr.trim().replace(/^tcpscope: /, '')
}

/** A finished capture with one connection whose client sent `text`. */
async function recordOne(path: string, text = 'hello'): Promise<void> {
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', path, '--json'])
  cleanups.push(() => cli.stop('SIGKILL'))
  const listen = JSON.parse(await cli.waitLine(() => true)).listen as string
  const c = await connectTo(Number(listen.slice(listen.lastIndexOf(':') + 1)))
  c.end(text)
  c.resume()
  await cli.waitLine((l) => l.includes('"kind":"close"'))
  expect(await cli.stop('SIGINT')).toBe(0)
}

const litter = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'))

describe('export -o', () => {
  it('/dev/stdout and - write to stdout, into a real pipe', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    for (const out of ['/dev/stdout', '-']) {
      const { stdout } = await promisify(execFile)('sh', ['-c', `"${process.execPath}" "${CLI}" export "${capture}" --conn 1 --direction client -o ${out} | cat`])
      expect(stdout).toBe('hello')
    }
    const hex = await runCli(['export', capture, '--conn', '1', '--direction', 'client', '--format', 'hex', '-o', '/dev/stdout'])
    expect(hex).toMatchObject({ code: 0, stdout: '00000000: 6865 6c6c 6f                             hello\n' })
  })

  it('refuses a FIFO, a device, and an existing file without --force; with it, the file is replaced', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    const base = ['export', capture, '--conn', '1', '--direction', 'client']
    const fifo = join(dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    expect(await fails([...base, '-o', fifo])).toBe(`cannot write ${fifo}: ${fifo} is a FIFO (named pipe), not a file; give a file path`)
    expect(statSync(fifo).isFIFO()).toBe(true)
    expect(await fails([...base, '-o', '/dev/null', '--force'])).toBe('cannot write /dev/null: /dev/null is a character device, not a file; give a file path')

    const notes = join(dir, 'notes.txt')
    writeFileSync(notes, 'precious')
    expect(await fails([...base, '-o', notes])).toBe(`${notes} already exists (a file, 8 B); pass --force to replace it, or pick another output file`)
    expect(readFileSync(notes, 'utf8')).toBe('precious')
    expect((await runCli([...base, '-o', notes, '--force'])).code).toBe(0)
    expect(readFileSync(notes, 'utf8')).toBe('hello')
    expect(litter(dir)).toEqual([])
  })

  it('--force never writes onto a capture another process is recording', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const theirs = join(dir, 'theirs.tcap')
    const other = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture: theirs })
    cleanups.push(() => other.stop('SIGKILL'))
    const inode = statSync(theirs).ino
    const message = await fails(['export', capture, '--conn', '1', '--direction', 'client', '-o', theirs, '--force'])
    expect(message).toBe(`${theirs} is being written by another tcpscope (pid ${other.pid}); stop it first, or record to another file`)
    expect(statSync(theirs).ino).toBe(inode)
    expect(await other.stop('SIGINT')).toBe(0)
    expect((await runCli(['ls', theirs])).stdout).toMatch(/no connections/)
    expect(litter(dir)).toEqual([])
  })

  it('an export that fails (a damaged record) keeps the file it would have replaced, and says where in one line', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture, 'x'.repeat(1000))
    const file = readFileSync(capture)
    const data = walkRecords(file).find((r) => r.type === TYPE.Data && r.dir === 1)!
    file[data.start + 9] ^= 0x40
    const damaged = join(dir, 'damaged.tcap')
    writeFileSync(damaged, file)
    const out = join(dir, 'out.bin')
    writeFileSync(out, 'the last export')
    expect(await fails(['export', damaged, '--conn', '1', '--direction', 'client', '-o', out, '--force'])).toBe(
      `the capture file is damaged at byte ${data.start}: a record header fails its CRC; what lies before it can still be read`
    )
    expect(readFileSync(out, 'utf8')).toBe('the last export')
    expect(litter(dir)).toEqual([])
  })
})

describe('--capture', () => {
  it('a FIFO or a device is one clear line, at once, and is left as it was', async () => {
    const dir = tmp()
    const fifo = join(dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    for (const force of [[], ['--force']]) {
      expect(await fails(['proxy', '--listen', '0', '--target', '127.0.0.1:9', '--capture', fifo, ...force])).toBe(
        `cannot create capture file ${fifo}: ${fifo} is a FIFO (named pipe), not a file; give a file path`
      )
      expect(await fails(['proxy', '--listen', '0', '--target', '127.0.0.1:9', '--capture', '/dev/null', ...force])).toBe(
        'cannot create capture file /dev/null: /dev/null is a character device, not a file; give a file path'
      )
    }
    expect(statSync(fifo).isFIFO()).toBe(true)
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true)
  })

  it('--force replaces a capture with a new file renamed over it: the old one is never truncated, nothing is left beside it', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    // A reader that has the old capture open keeps reading all of it.
    const old = openSync(capture, 'r')
    cleanups.push(() => closeSync(old))
    const size = fstatSync(old).size
    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--capture', capture, '--force', '--json'])
    cleanups.push(() => cli.stop('SIGKILL'))
    await cli.waitLine(() => true)
    expect(fstatSync(old).size).toBe(size)
    expect(statSync(capture).ino).not.toBe(fstatSync(old).ino)
    expect(litter(dir)).toEqual([])
    expect(await cli.stop('SIGINT')).toBe(0)
    expect((await runCli(['ls', capture])).stdout).toMatch(/no connections/)
  })

  it('the temporary capture (no --capture) is readable by its owner only', async () => {
    const run = await startEngine({})
    cleanups.push(() => run.finish())
    expect(statSync(run.engine.capture.path).mode & 0o777).toBe(0o600)
  })
})

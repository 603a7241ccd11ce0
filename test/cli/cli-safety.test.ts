// The CLI never destroys a user's file and answers every bad argument with one line that
// says what is wrong: --capture on an existing file, export -o onto the capture it reads,
// folders, missing folders, out-of-range numbers, port 0 as a target, cut and damaged files.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { connectTo, startServer, tempDir } from '../helpers/net'
import { walkRecords, withoutStoredIndex } from '../helpers/capture-file'
import { formatBytes } from '../../src/shared/human-readable'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tmp(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

/** One stderr line, `tcpscope: ...`, and the exit code. */
async function fails(args: string[]): Promise<{ code: number | null; message: string }> {
  const r = await runCli(args)
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr).not.toMatch(/Warning|at .+:\d+:\d+/)
  return { code: r.code, message: r.stderr.trim().replace(/^tcpscope: /, '') }
}

/** A small finished capture with one echoed connection. */
async function recordOne(path: string): Promise<void> {
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${server.port}`, '--capture', path, '--json'])
  cleanups.push(() => cli.stop('SIGKILL'))
  const listen = JSON.parse(await cli.waitLine(() => true)).listen as string
  const c = await connectTo(Number(listen.slice(listen.lastIndexOf(':') + 1)))
  c.end('hello')
  c.resume()
  await cli.waitLine((l) => l.includes('"kind":"close"'))
  expect(await cli.stop('SIGINT')).toBe(0)
}

describe('the CLI keeps files safe', () => {
  it('--capture on an existing file is refused without --force, and the file is kept; --force replaces it', async () => {
    const dir = tmp()
    const notes = join(dir, 'notes.txt')
    writeFileSync(notes, 'precious')
    const r = await fails(['proxy', '--listen', '0', '--target', '127.0.0.1:9', '--capture', notes])
    expect(r).toEqual({ code: 1, message: `${notes} already exists; overwrite it (--force) or pick another name` })
    expect(readFileSync(notes, 'utf8')).toBe('precious')

    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    const again = await fails(['proxy', '--listen', '0', '--target', '127.0.0.1:9', '--capture', capture])
    expect(again.message).toBe(`${capture} already exists; overwrite it (--force) or pick another name`)
    expect((await runCli(['ls', capture, '--json'])).stdout.trim().split('\n')).toHaveLength(1)

    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:9', '--capture', capture, '--force', '--json'])
    cleanups.push(() => cli.stop('SIGKILL'))
    await cli.waitLine(() => true)
    expect(await cli.stop('SIGINT')).toBe(0)
    expect((await runCli(['ls', capture])).stdout).toMatch(/no connections/)
  })

  it('a folder as --capture is one clear line', async () => {
    const dir = tmp()
    const r = await fails(['proxy', '--listen', '0', '--target', '127.0.0.1:9', '--capture', dir, '--force'])
    expect(r.message).toBe(`cannot create capture file ${dir}: that is a folder; give a file path such as FOLDER/capture.tcap`)
  })

  it('export -o refuses the capture it reads (which stays intact), another capture without --force, a folder and a missing folder', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    const before = readFileSync(capture)
    const base = ['export', capture, '--conn', '1', '--direction', 'client']

    expect(await fails([...base, '-o', capture])).toEqual({ code: 1, message: `cannot write ${capture}: it is the capture being exported; pick another output file` })
    expect(readFileSync(capture).equals(before)).toBe(true)

    const other = join(dir, 'other.tcap')
    writeFileSync(other, before)
    expect((await fails([...base, '-o', other])).message).toBe(`${other} already exists (a tcpscope capture, ${formatBytes(before.length)}); pass --force to replace it, or pick another output file`)
    expect((await runCli([...base, '-o', other, '--force'])).code).toBe(0)
    expect(readFileSync(other, 'utf8')).toBe('hello')

    const sub = join(dir, 'sub')
    mkdirSync(sub)
    expect((await fails([...base, '-o', sub])).message).toBe(`cannot write ${sub}: it is a folder; give a file name, e.g. ${sub}/c-conn1-client.bin`)
    expect((await fails([...base, '-o', '/nonexistent/x'])).message).toBe('cannot write /nonexistent/x: its folder does not exist')
  })
})

describe('bad numbers and addresses', () => {
  it('says what is wrong with a connection id, a timeout or a target port', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    expect(await fails(['export', capture, '--conn', '-1', '--direction', 'client'])).toEqual({
      code: 2,
      message: 'export: --conn wants a whole number from 1 to 4294967295, got "-1"'
    })
    expect((await fails(['export', capture, '--conn', '99999999999999999999', '--direction', 'client'])).message).toBe(
      'export: --conn wants a whole number from 1 to 4294967295, got "99999999999999999999"'
    )
    expect(await fails(['proxy', '--listen', '0', '--target', '127.0.0.1:9', '--connect-timeout', '99999999999'])).toEqual({
      code: 2,
      message: 'proxy: --connect-timeout wants a whole number from 1 to 3600000, got "99999999999"'
    })
    expect((await fails(['connect', '127.0.0.1:9', '--timeout', '99999999999'])).message).toBe('connect: --timeout wants a whole number from 1 to 2147483647, got "99999999999"')
    expect(await fails(['proxy', '--listen', '0', '--target', 'example.test:0'])).toEqual({
      code: 2,
      message: 'proxy: --target: bad port in "example.test:0": connect to a port from 1 to 65535 (0 only means "any" when listening)'
    })
    expect((await fails(['connect', '127.0.0.1:0', '--send', 'x'])).message).toMatch(/^connect: target: bad port in "127.0.0.1:0"/)
  })
})

describe('cut and damaged files say what was found', () => {
  it('a file cut inside its header, a damaged record mid-file, and a file cut mid-record', async () => {
    const dir = tmp()
    const capture = join(dir, 'c.tcap')
    await recordOne(capture)
    const file = withoutStoredIndex(readFileSync(capture))

    const short = join(dir, 'short.tcap')
    writeFileSync(short, file.subarray(0, 12))
    expect((await fails(['ls', short])).message).toBe(`${short} is a tcpscope capture cut inside its file header (12 of 16 bytes): the writer stopped before recording anything`)

    const records = walkRecords(file)
    const middle = records[Math.floor(records.length / 2)]
    const damaged = Buffer.from(file)
    damaged[middle.start + 9] ^= 0x40
    const bad = join(dir, 'damaged.tcap')
    writeFileSync(bad, damaged)
    const ls = await runCli(['ls', bad])
    expect(ls.code).toBe(0)
    expect(ls.stderr.trim()).toBe(`note: ${bad} has a damaged record at byte ${middle.start}; the ${file.length - middle.start} bytes from there on cannot be read, everything before is shown`)

    const cut = join(dir, 'cut.tcap')
    writeFileSync(cut, file.subarray(0, records.at(-1)!.start + 20))
    expect((await runCli(['ls', cut])).stderr.trim()).toBe(
      `note: ${cut} ends in an incomplete record at byte ${records.at(-1)!.start} (its writer stopped mid-write); everything before it is shown`
    )
  })
})

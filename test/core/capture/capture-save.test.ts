// Saving the live capture (capture.save) never costs a user a file: a file that is not a
// capture, a capture another process is recording, a FIFO, a device or a folder is refused
// in one line and left as it was; an existing capture is replaced only with the one-time
// token of a confirmation; a save that fails keeps what was there and leaves no litter.
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERROR_CODES } from '../../../src/shared/errors'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, startServer } from '../../helpers/net'
import { portOf } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { userRefusal } from '../../helpers/errors'
import { startCliProxy } from '../../helpers/cli-proxy'
import { writeSampleCapture } from '../../helpers/sample-capture'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

/** An engine that has recorded `n` closed connections. */
async function recording(n: number): Promise<TestEngine> {
  t = await testEngine()
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  for (let i = 0; i < n; i++) {
    const c = await connectTo(portOf(proxy.listen))
    c.resume()
    c.end(`hello ${i}`)
  }
  await closedConnections(t.engine, n)
  return t
}

const save = (te: TestEngine, path: string, confirm?: string, signal?: AbortSignal) =>
  te.engine['capture.save']({ path, ...(confirm !== undefined ? { confirm } : {}) }, signal ? { signal } : undefined)

/** Only the files the test made: no temporary sibling left behind. */
const litter = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'))

describe('capture.save', () => {
  it('refuses a file that is not a capture, with or without a token, and leaves it as it was', async () => {
    const te = await recording(1)
    const notes = join(te.dir, 'notes.txt')
    writeFileSync(notes, 'precious')
    const err = await userRefusal(save(te, notes))
    expect(err.code).toBe(ERROR_CODES.ENOTCAPTURE)
    expect(err.message).toBe(`cannot save to ${notes}: ${notes} is not a tcpscope capture, and only captures are ever replaced; pick another name`)
    expect((await userRefusal(save(te, notes, 'a'.repeat(32)))).code).toBe(ERROR_CODES.ENOTCAPTURE)
    expect(readFileSync(notes, 'utf8')).toBe('precious')
    expect(litter(te.dir)).toEqual([])
  })

  it('asks before replacing a capture: EEXIST with a token that is good once, for that path and that file as it was', async () => {
    const te = await recording(2)
    const copy = join(te.dir, 'copy.tcap')
    await writeSampleCapture(copy, { connections: 5 })
    const before = readFileSync(copy)

    const asked = await userRefusal(save(te, copy))
    expect(asked.code).toBe(ERROR_CODES.EEXIST)
    expect(asked.message).toMatch(new RegExp(`^${copy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} already exists \\(a tcpscope capture, .+\\); replace it\\?$`))
    expect(asked.confirm).toMatch(/^[0-9a-f]{32}$/)
    expect(readFileSync(copy).equals(before)).toBe(true)

    // A token for one path does not replace another, and is spent by trying.
    const other = join(te.dir, 'other.tcap')
    await writeSampleCapture(other)
    const otherAsked = await userRefusal(save(te, other, asked.confirm))
    expect(otherAsked.code).toBe(ERROR_CODES.EEXIST)
    expect((await userRefusal(save(te, copy, asked.confirm))).code).toBe(ERROR_CODES.EEXIST)

    // A file that changed after the question is asked about again.
    const fresh = (await userRefusal(save(te, copy))).confirm!
    appendFileSync(copy, 'x')
    expect((await userRefusal(save(te, copy, fresh))).code).toBe(ERROR_CODES.EEXIST)
    writeFileSync(copy, before)

    const confirmed = (await userRefusal(save(te, copy))).confirm!
    expect(await save(te, copy, confirmed)).toMatchObject({ path: copy, connections: 2 })
    const file = await FileCapture.open(copy)
    cleanups.push(() => file.close())
    expect(file.info().connections).toBe(2)
    expect((await userRefusal(save(te, copy, confirmed))).code).toBe(ERROR_CODES.EEXIST)
    expect(litter(te.dir)).toEqual([])
  })

  it('never writes onto a capture another process is recording, confirmed or not', async () => {
    const te = await recording(1)
    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const theirs = join(te.dir, 'theirs.tcap')
    const other = await startCliProxy({ target: `127.0.0.1:${server.port}`, capture: theirs })
    cleanups.push(() => other.stop('SIGKILL'))
    const c = await connectTo(other.port)
    c.resume()
    c.end('recorded by the other proxy')
    await new Promise((r) => c.once('close', r))
    const inode = statSync(theirs).ino

    const err = await userRefusal(save(te, theirs))
    expect(err.code).toBe(ERROR_CODES.ELOCKED)
    expect(err.message).toBe(`${theirs} is being written by another tcpscope (pid ${other.pid}); stop it first, or record to another file`)
    expect(err.confirm).toBeUndefined()
    expect(statSync(theirs).ino).toBe(inode)

    expect(await other.stop('SIGINT')).toBe(0)
    const file = await FileCapture.open(theirs)
    cleanups.push(() => file.close())
    expect((await file.listConnections()).map((s) => s.bytes)).toEqual([{ client: 27, server: 27 }])
    expect(litter(te.dir)).toEqual([])
  })

  it('refuses a FIFO, a device and a folder in one line without opening them, and the engine goes on answering', async () => {
    const te = await recording(1)
    const fifo = join(te.dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    const err = await userRefusal(save(te, fifo))
    expect(err).toMatchObject({ code: ERROR_CODES.ENOTFILE, message: `cannot save to ${fifo}: ${fifo} is a FIFO (named pipe), not a file; give a file path` })
    expect(statSync(fifo).isFIFO()).toBe(true)

    expect(await userRefusal(save(te, '/dev/null'))).toMatchObject({
      code: ERROR_CODES.ENOTFILE,
      message: 'cannot save to /dev/null: /dev/null is a character device, not a file; give a file path'
    })
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true)
    expect(await userRefusal(save(te, te.dir))).toMatchObject({ code: 'EISDIR', message: `cannot save to ${te.dir}: that is a folder; give a file path` })

    // Opening one as a capture is refused the same way, unopened.
    expect(await userRefusal(te.engine['capture.open']({ path: fifo }))).toMatchObject({ code: ERROR_CODES.ENOTFILE, message: `${fifo} is a FIFO (named pipe), not a capture file` })
    expect((await te.engine['capture.list']()).map((c) => c.id)).toEqual(['live'])
    expect(litter(te.dir)).toEqual([])
  })

  it('a save that fails keeps the file it would have replaced, and leaves no temporary file', async () => {
    const te = await recording(2)
    const copy = join(te.dir, 'copy.tcap')
    await writeSampleCapture(copy, { connections: 5 })
    const before = readFileSync(copy)
    const token = (await userRefusal(save(te, copy))).confirm!
    const abort = new AbortController()
    abort.abort()
    expect((await userRefusal(save(te, copy, token, abort.signal))).code).toBe(ERROR_CODES.ECANCELED)
    expect(readFileSync(copy).equals(before)).toBe(true)
    expect(litter(te.dir)).toEqual([])

    // A folder it cannot write into: the new file is never made, nothing else is touched.
    const missing = join(te.dir, 'no such folder', 'copy.tcap')
    expect(await userRefusal(save(te, missing))).toMatchObject({ code: 'ENOENT', message: `cannot save to ${missing}: its folder does not exist` })
    expect(existsSync(join(te.dir, 'no such folder'))).toBe(false)
  })
})

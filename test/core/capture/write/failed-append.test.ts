// A writer that fails while taking a record (the O_DIRECT writer cannot set up a new staging
// arena: its alignment probe is a file it cannot write) has cut the index back to what is
// in the file by the time the append returns: that record must not be counted as recorded
// after it. Before, the connection's recorded bytes jumped back to nearly all it had sent,
// and the summary disagreed with the file.
import { afterEach, describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LiveCapture } from '../../../../src/core/capture/write/live-capture'
import { directIoAvailable } from '../../../../src/core/capture/write/direct-writer'
import { FileCapture } from '../../../../src/core/capture/file-capture'
import { tempDir } from '../../../helpers/net'
import { needProgram } from '../../../helpers/peers'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a record the writer fails on as it takes it', () => {
  it('is not counted as recorded: the summary and the file agree', async (ctx) => {
    needProgram(ctx, 'O_DIRECT on Linux', directIoAvailable())
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const path = join(dir, 'c.tcap')
    // A user's file named like the alignment probe is neither truncated nor removed.
    writeFileSync(`${path}.direct-probe`, 'not ours')
    const capture = await LiveCapture.create(path)
    needProgram(ctx, 'a file system that takes O_DIRECT', capture.writerKind === 'direct')
    const conn = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: 'example.com:80' })
    const chunk = Buffer.alloc(256 * 1024, 1)
    conn.data('client', chunk)
    conn.data('server', chunk)
    // Reading waits until the file holds what is read: these two chunks are on disk.
    await capture.readBytes(conn.id, 'server', 0, 1)
    // The next staging arena's probe file cannot be created beside the capture: its folder
    // has moved away (the open capture file goes on being written through its descriptor).
    const moved = `${dir}-moved`
    renameSync(dir, moved)
    cleanups.push(() => rmSync(moved, { recursive: true, force: true }))
    // 12 MiB at once: more than the first arena's 8 staging buffers of 1 MiB.
    for (let i = 0; i < 48; i++) conn.data(i % 2 ? 'server' : 'client', chunk)
    expect(capture.info().error).toMatch(/ENOENT/)
    await capture.close()
    renameSync(moved, dir)
    const [live] = capture.connections()
    expect(live.bytes).toEqual({ client: 25 * chunk.length, server: 25 * chunk.length })
    expect(live.recorded).toEqual({ client: chunk.length, server: chunk.length })

    const file = await FileCapture.open(path)
    cleanups.push(() => file.close())
    const [read] = await file.listConnections()
    expect(read.recorded ?? read.bytes).toEqual(live.recorded)
    // And every byte counted as recorded reads back.
    const got = await file.readBytes(read.id, 'client', 0, live.recorded!.client)
    expect(got.equals(Buffer.alloc(live.recorded!.client, 1))).toBe(true)
    expect(readFileSync(`${path}.direct-probe`, 'utf8')).toBe('not ours')
    expect(readdirSync(dir).sort()).toEqual(['c.tcap', 'c.tcap.direct-probe'])
  })
})

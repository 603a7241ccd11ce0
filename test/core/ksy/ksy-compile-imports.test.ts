// A `.ksy` that imports another is compiled again when the imported file changes: the cache
// is keyed by the top file's content, so a file with imports is not kept.
import { afterEach, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../../helpers/net'
import { compileKsyFile } from '../../../src/core/ksy/ksy-compile'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

const header = (field: string): string => `meta:\n  id: header\nseq:\n  - id: ${field}\n    type: u1\n`

describe('a .ksy with imports', () => {
  it('compiles again when the file it imports changed', async () => {
    const d = tempDir()
    cleanups.push(d.cleanup)
    const top = join(d.dir, 'top.ksy')
    writeFileSync(join(d.dir, 'header.ksy'), header('version'))
    writeFileSync(top, 'meta:\n  id: top\n  imports:\n    - header\nseq:\n  - id: head\n    type: header\n')
    const first = await compileKsyFile(top)
    expect([...first.names.values()]).toContain('version')
    writeFileSync(join(d.dir, 'header.ksy'), header('revision'))
    const second = await compileKsyFile(top)
    expect([...second.names.values()]).toContain('revision')
    expect([...second.names.values()]).not.toContain('version')
  })
})

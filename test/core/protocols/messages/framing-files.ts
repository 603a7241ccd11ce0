// Test helpers: framings that name a file (`ksy:FILE`, `script:FILE`), loaded as the engine
// loads them (src/core/decode/messages/framing-files.ts) before their codec is asked for, and
// a folder for the files a test file writes, removed after its tests.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { parseFrameSpec } from '../../../../src/shared/message-types'
import { codecFor } from '../../../../src/core/protocols/messages/message-decoders'
import { loadFraming } from '../../../../src/core/decode/messages/framing-files'
import type { MessageCodec } from '../../../../src/core/protocols/messages/message-codec'

/** The codec of `frame` (as --frame takes it), its file loaded first. */
export async function codecOf(frame: string): Promise<MessageCodec> {
  const spec = parseFrameSpec(frame)
  await loadFraming(spec)
  return codecFor(spec)!
}

/** What loading `frame`'s file says when it cannot be loaded (a line saying so when it can). */
export async function loadError(frame: string): Promise<string> {
  const err = await loadFraming(parseFrameSpec(frame)).then(
    () => undefined,
    (e: unknown) => e
  )
  return err instanceof Error ? err.message : `${frame} loaded: no error`
}

/** A folder of its own for the calling test file (`prefix` names it), and `file` writes one into it. */
export function testFiles(prefix: string): { dir: string; file: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return {
    dir,
    file: (name, text) => {
      const path = join(dir, name)
      writeFileSync(path, text)
      return path
    }
  }
}

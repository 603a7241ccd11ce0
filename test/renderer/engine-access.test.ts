// Views talk to the engine through the stores (or the engine store's call), never through
// the transport: only the store layer knows how commands travel, so a view can be tested
// over a fake engine store and a new front end changes no view.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const RENDERER = resolve(__dirname, '../../src/renderer/src')
/** Folders of code that is not a store: components and what they compose. */
const VIEW_CODE = ['components', 'composables', 'bytes', 'composer', 'forms']

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(vue|ts)$/.test(e.name) ? [join(dir, e.name)] : []))
}

describe('engine access from the renderer', () => {
  it('no component or composable reaches the transport', () => {
    const reaching = VIEW_CODE.flatMap((d) => files(join(RENDERER, d)))
      .filter((f) => /\.transport\b|\btransport\s*\(\)/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(RENDERER, f))
    expect(reaching).toEqual([])
  })
})

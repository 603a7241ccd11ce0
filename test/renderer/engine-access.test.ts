// Views talk to the engine through the stores (or the engine store's call), never through
// the transport: only the store layer knows how commands travel, so a view can be tested
// over a fake engine store and a new front end changes no view.
import { describe, expect, it } from 'vitest'

// Every component and everything they compose (not the stores, which own the transport).
const sources = (import.meta as unknown as { glob(pattern: string[], opts: object): Record<string, string> }).glob(
  ['../../src/renderer/src/{features,ui}/**/*.{vue,ts}', '../../src/renderer/src/app/*.vue', '!../../src/renderer/src/**/*-store.ts'],
  { query: '?raw', import: 'default', eager: true }
)

describe('engine access from the renderer', () => {
  it('no component or composable reaches the transport', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(40)
    const reaching = Object.entries(sources)
      .filter(([, text]) => /\.transport\b|\btransport\s*\(\)/.test(text))
      .map(([path]) => path)
    expect(reaching).toEqual([])
  })
})

import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import SlowFirstSequencer from './test/slow-first-sequencer'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll's own default is 1 s: on a loaded 2-core CI, what follows the engine live
    // (decoding runs a moment behind, lists refetch) can take longer without being wrong.
    expect: { poll: { timeout: 15_000 } },
    // Two cores: socket tests are I/O-bound, but big transfers compete for CPU.
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default', './test/summary-reporter.ts']
  }
})

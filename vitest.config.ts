import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import SlowFirstSequencer from './test/slow-first-sequencer'

/** What every test file gets. */
const COMMON = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // expect.poll's own default is 1 s: on a loaded 2-core CI, what follows the engine live
  // (decoding runs a moment behind, lists refetch) can take longer without being wrong.
  expect: { poll: { timeout: 15_000 } }
}

/**
 * The engine's and the CLI's tests share their workers' module graph (no isolation): they
 * keep no state between files, and loading the engine again for each of some 290 files was
 * about a third of their time. Only the shell's tests keep a graph each.
 */
const SHARED_GRAPH = ['test/core/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/shared/**/*.test.ts', 'test/docs/**/*.test.ts', 'test/scripts/**/*.test.ts', 'test/layering.test.ts']

/**
 * The renderer's unit tests share theirs too, and one jsdom window per worker, which
 * test/renderer/fresh-window.ts empties before each file. With a process, a window and Vue
 * loaded again for each of some 110 files, they took 127 s of CPU; sharing, 77 s.
 */
const RENDERER = ['test/renderer/**/*.test.ts']

/**
 * The e2e files share theirs (playwright, the helpers; some load the engine to write a
 * capture): they drive `tcpscope web` and Chromium in processes of their own, one Chromium
 * per worker, and each closes what it opened (the contexts it left, through
 * test/e2e/close-browser.ts).
 */
const E2E = ['test/e2e/**/*.test.ts']

export default defineConfig({
  test: {
    // Once for the run (the projects do not inherit it): it builds the CLI and the page.
    globalSetup: ['test/global-setup.ts'],
    // Three on two cores: the files wait on sockets, child processes and Chromium much of the
    // time. Measured on the 2-core machine (Node 22, the whole suite): two workers kept the
    // CPU 64% busy and took 488 s; three, 70% and 433 s, with no test nearer its limits.
    maxWorkers: 3,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      { test: { ...COMMON, name: 'engine', include: SHARED_GRAPH, isolate: false } },
      { plugins: [vue()], test: { ...COMMON, name: 'renderer', include: RENDERER, isolate: false, setupFiles: ['test/renderer/fresh-window.ts'] } },
      { test: { ...COMMON, name: 'e2e', include: E2E, isolate: false, setupFiles: ['test/e2e/close-browser.ts'] } },
      { plugins: [vue()], test: { ...COMMON, name: 'ui', include: ['test/**/*.test.ts'], exclude: [...SHARED_GRAPH, ...RENDERER, ...E2E, '**/node_modules/**'] } }
    ]
  }
})

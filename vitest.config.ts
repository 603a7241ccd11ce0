import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: socket tests are I/O-bound, but big transfers compete for CPU.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts']
  }
})

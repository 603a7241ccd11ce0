// `npm run docs:shots`: the guide's screenshots (docs/images), taken in real Chromium against
// web mode with captures made by real traffic. Not part of `npm test`: it rewrites files in
// docs/ and its pictures are for people, not assertions.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/docs/*.shots.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/e2e/close-browser.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false
  }
})

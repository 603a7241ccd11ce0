import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { rendererAlias, rendererPlugins, rendererRoot } from './vite.renderer.shared'

export default defineConfig({
  main: {
    // The worker threads are entries of their own beside index.js (src/core/built-worker.ts finds them there).
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: { index: resolve('src/main/index.ts'), 'decode-worker': resolve('src/core/decode/decode-worker.ts'), 'proxy-worker': resolve('src/core/proxy/workers/proxy-worker.ts'), 'script-worker': resolve('src/core/rules/script/script-worker.ts'), 'ksy-compiler': resolve('src/core/ksy/ksy-compiler-child.ts') }
      }
    }
  },
  preload: {
    // A sandboxed preload cannot require() anything but electron: bundle it whole.
    build: { outDir: 'out/preload', externalizeDeps: false }
  },
  renderer: {
    root: rendererRoot,
    // Minified (electron-vite leaves the renderer as is): the scripts the page loads at start
    // go from 1.8 MB to 0.9 MB, and a load took about 0.70 s of Chromium’s CPU instead of 0.75
    // on the 2-core machine (eight loads a round, two rounds). The CLI stays unminified, for
    // its stack traces.
    build: { outDir: 'out/renderer', minify: true },
    resolve: { alias: rendererAlias },
    plugins: rendererPlugins()
  }
})

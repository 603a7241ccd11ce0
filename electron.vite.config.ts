import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  main: {
    build: { outDir: 'out/main' }
  },
  preload: {
    // A sandboxed preload cannot require() anything but electron: bundle it whole.
    build: { outDir: 'out/preload', externalizeDeps: false }
  },
  renderer: {
    root: 'src/renderer',
    build: { outDir: 'out/renderer' },
    resolve: { alias: { '@renderer': resolve('src/renderer/src') } },
    plugins: [vue()]
  }
})

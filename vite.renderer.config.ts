// Builds the renderer alone (out/renderer), as electron-vite does for the app: what web
// mode serves, without building the Electron main and preload.
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  root: 'src/renderer',
  base: './',
  build: { outDir: resolve(__dirname, 'out/renderer'), emptyOutDir: true },
  resolve: { alias: { '@renderer': resolve(__dirname, 'src/renderer/src') } },
  plugins: [vue()]
})

// Builds the renderer alone (out/renderer), as electron-vite does for the app: what web
// mode serves, without building the Electron main and preload.
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { rendererAlias, rendererPlugins, rendererRoot } from './vite.renderer.shared'

export default defineConfig({
  root: rendererRoot,
  base: './',
  build: { outDir: resolve(__dirname, 'out/renderer'), emptyOutDir: true },
  resolve: { alias: rendererAlias },
  plugins: rendererPlugins()
})

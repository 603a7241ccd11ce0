// Builds the headless CLI for plain Node (no Electron): `node out/cli/index.cjs`.
import { builtinModules } from 'node:module'
import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    ssr: 'src/cli/index.ts',
    outDir: 'out/cli',
    target: 'node20',
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'iconv-lite', 'ws'],
      output: { format: 'cjs', entryFileNames: 'index.cjs' }
    }
  }
})

// Builds the headless CLI for plain Node (no Electron): `node out/cli/index.cjs`. Its
// packages are bundled in, so the built file runs from any folder, without node_modules.
import { builtinModules } from 'node:module'
import { defineConfig } from 'vite'

export default defineConfig({
  ssr: { noExternal: true },
  build: {
    ssr: 'src/cli/index.ts',
    outDir: 'out/cli',
    target: 'node20',
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      // ws loads these optional native helpers only if they are installed; they are not.
      external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'bufferutil', 'utf-8-validate'],
      output: { format: 'cjs', entryFileNames: 'index.cjs' }
    }
  }
})

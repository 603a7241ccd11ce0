// Builds the headless CLI for plain Node (no Electron): `node out/cli/index.cjs`. Its
// packages are bundled in, so the built file runs from any folder, without node_modules.
// The decode worker (src/core/decode/decode-worker.ts), the proxy's forwarding worker
// (src/core/proxy/workers/proxy-worker.ts) and the user-script worker
// (src/core/rules/script/script-worker.ts) are built beside it, as bundles of their own
// (out/cli/decode-worker.cjs, proxy-worker.cjs, script-worker.cjs), and the engine finds
// them next to itself (built-worker.ts). index.cjs loads each command's module when that
// command runs (src/cli/index.ts): those and what they share are chunks beside it
// (out/cli/ls.cjs, engine-run.cjs, ...), so `ls` does not load the engine it does not use.
// The Kaitai Struct compiler (GPL-3.0, 6 MB) is a program of its own beside them,
// out/cli/ksy-compiler.cjs, which the engine forks when a `ksy:` framing is first loaded
// and talks to over IPC.
import { builtinModules } from 'node:module'
import { build, defineConfig, type Plugin, type UserConfig } from 'vite'

// ws loads these optional native helpers only if they are installed; they are not.
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'bufferutil', 'utf-8-validate']

/**
 * The bundles are pure ASCII (`charset: 'ascii'` escapes what the strings hold, and JSDoc
 * comments, where the rest of the non-ASCII was, are left out): Node reads a file of
 * ASCII into V8's one-byte strings, the way it reads and scans fastest, and any other
 * character turned the whole file into two-byte text. Measured on the 2-core machine, 20
 * starts each way in turns: `show --help` 135-143 ms of CPU a start against 158-160 on Node 22,
 * a `show` of a small capture 365-386 ms against 398-403 on Node 20 (no compile cache there).
 *
 * `oneFile`: everything the entry loads, what it loads late (import()) too, in its one file. A
 * worker's bundle has no chunks: they would be named as the CLI's own chunks are (x509.es.cjs,
 * protobufjs.cjs) and written over them, each requiring its worker's bundle for its helpers.
 */
const bundle = (entry: string, file: string, emptyOutDir: boolean, leftOut: string[] = [], oneFile = false): UserConfig => ({
  ssr: { noExternal: true },
  build: {
    ssr: entry,
    outDir: 'out/cli',
    target: 'node20',
    emptyOutDir,
    minify: false,
    rollupOptions: { external: [...external, ...leftOut], output: { format: 'cjs', charset: 'ascii', comments: { legal: true, annotation: true, jsdoc: false }, entryFileNames: file, chunkFileNames: '[name].cjs', ...(oneFile ? { codeSplitting: false } : {}) } }
  }
})

/** Never in the engine's own bundles: the Kaitai Struct compiler (GPL-3.0) runs as a process of its own, ksy-compiler.cjs. */
const ENGINE_LEAVES_OUT = ['kaitai-struct-compiler']

/** Builds the worker threads' bundles once the CLI's own is written: the decode worker, a proxy's forwarding worker (`--workers`), the one a user's script runs in (it alone carries amaro, TypeScript's type stripper), and the Kaitai Struct compiler's process. */
const workers = (): Plugin => ({
  name: 'tcpscope-workers',
  apply: 'build',
  async closeBundle() {
    await build({ configFile: false, logLevel: 'error', ...bundle('src/core/decode/decode-worker.ts', 'decode-worker.cjs', false, ENGINE_LEAVES_OUT, true) })
    await build({ configFile: false, logLevel: 'error', ...bundle('src/core/proxy/workers/proxy-worker.ts', 'proxy-worker.cjs', false, ENGINE_LEAVES_OUT, true) })
    await build({ configFile: false, logLevel: 'error', ...bundle('src/core/rules/script/script-worker.ts', 'script-worker.cjs', false, ENGINE_LEAVES_OUT, true) })
    await build({ configFile: false, logLevel: 'error', ...bundle('src/core/ksy/ksy-compiler-child.ts', 'ksy-compiler.cjs', false, [], true) })
  }
})

export default defineConfig({ ...bundle('src/cli/index.ts', 'index.cjs', true, ENGINE_LEAVES_OUT), plugins: [workers()] })

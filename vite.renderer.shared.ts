// What the app's renderer build and web mode's renderer build share: Vue, the alias, and the
// compile hint on the code the page runs as it loads.
import { resolve } from 'node:path'
import type { Plugin, Rollup } from 'vite'
import vue from '@vitejs/plugin-vue'

/** V8's explicit compile hint (Chromium 136 on); it must open the file. */
const HINT = '//# allFunctionsCalledOnLoad'

/**
 * Marks the chunks the page runs as it loads (the entry and every chunk it imports
 * statically) for eager compilation: Chromium then compiles their functions on a background
 * thread while it streams them in, rather than one at a time on the main thread when first
 * called. Most of them are called at once (Vue's runtime, Pinia, vue-i18n, the stores). On
 * the 2-core machine, mounting the window took 34 to 49 ms of main-thread time, 18 to 28
 * with the hint. Chunks loaded later (the editors, the panes' views) stay lazy.
 */
export function compileHints(): Plugin {
  return {
    name: 'tcpscope:compile-hints',
    apply: 'build',
    enforce: 'post',
    // Last: Vite puts its preload helper's list at the top of the entry in this same hook.
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const chunks = new Map<string, Rollup.OutputChunk>()
        for (const file of Object.values(bundle)) if (file.type === 'chunk') chunks.set(file.fileName, file)
        const onLoad = new Set<Rollup.OutputChunk>()
        const visit = (chunk: Rollup.OutputChunk | undefined): void => {
          if (!chunk || onLoad.has(chunk)) return
          onLoad.add(chunk)
          for (const name of chunk.imports) visit(chunks.get(name))
        }
        for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk)
        for (const chunk of onLoad) chunk.code = `${HINT}\n${chunk.code}`
      }
    }
  }
}

export const rendererRoot = resolve(__dirname, 'src/renderer')
export const rendererAlias = { '@renderer': resolve(__dirname, 'src/renderer/src') }
export const rendererPlugins = (): Plugin[] => [vue(), compileHints()]

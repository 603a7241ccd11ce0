// The built page (out/renderer, made by the suite's global setup or `npm run build`): what its
// first load evaluates, the scripts index.html names or preloads and every chunk they import
// statically, holds no CodeMirror. CodeMirror (about 270 KB) is in a chunk of its own that
// loads when an editor is first shown; evaluated at page load it made the page's first long
// task longer for a screen that shows no editor. What the first load runs opens with V8's
// compile hint (vite.renderer.shared.ts); what loads later does not.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const PAGE = resolve(__dirname, '../../out/renderer')
const read = (file: string): string => readFileSync(join(PAGE, file), 'utf8')

/** Strings of CodeMirror's own code (@codemirror/state's and @codemirror/view's errors): in no module of ours. */
const CODEMIRROR = ['Unrecognized extension value in extension set', 'Calls to EditorView.update are not allowed while an update is in progress']
const hasCodeMirror = (code: string): boolean => CODEMIRROR.some((s) => code.includes(s))

/** The scripts index.html runs or preloads, as paths inside out/renderer. */
function named(html: string): string[] {
  const files: string[] = []
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const src = /\ssrc="\.\/([^"]+\.js)"/.exec(tag)?.[1]
    const preload = /\srel="modulepreload"/.test(tag) ? /\shref="\.\/([^"]+\.js)"/.exec(tag)?.[1] : undefined
    for (const file of [src, preload]) if (file) files.push(file)
  }
  return files
}

/** Those and every chunk they import statically (`import … from "./x.js"`, `import "./x.js"`), not the ones they import() later. */
function loadedAtStart(): Set<string> {
  const seen = new Set<string>()
  const queue = named(read('index.html'))
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue
    seen.add(file)
    for (const [, spec] of read(file).matchAll(/\b(?:from|import)\s*["'](\.\/[^"']+\.js)["']/g)) queue.push(join(dirname(file), spec))
  }
  return seen
}

describe('the built page', () => {
  it('loads no CodeMirror at start; a chunk of its own holds it', () => {
    expect(existsSync(join(PAGE, 'index.html')), 'out/renderer is built (npm run build)').toBe(true)
    const start = loadedAtStart()
    expect([...start].some((f) => /^assets\/index-[^/]+\.js$/.test(f)), [...start].join(', ')).toBe(true)
    expect([...start].filter((f) => hasCodeMirror(read(f)))).toEqual([])
    const later = readdirSync(join(PAGE, 'assets'))
      .map((f) => `assets/${f}`)
      .filter((f) => f.endsWith('.js') && !start.has(f))
    expect(later.filter((f) => CODEMIRROR.every((s) => read(f).includes(s)))).toHaveLength(1)
  })

  it('marks what the first load runs for eager compilation, and nothing loaded later', () => {
    const HINT = '//# allFunctionsCalledOnLoad\n'
    const start = loadedAtStart()
    expect([...start].filter((f) => !read(f).startsWith(HINT))).toEqual([])
    const later = readdirSync(join(PAGE, 'assets'))
      .map((f) => `assets/${f}`)
      .filter((f) => f.endsWith('.js') && !start.has(f))
    expect(later.length).toBeGreaterThan(0)
    expect(later.filter((f) => read(f).includes('allFunctionsCalledOnLoad'))).toEqual([])
  })
})

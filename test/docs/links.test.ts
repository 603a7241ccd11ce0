// The front page and the guide point at each other, at the CLI reference's anchors and at
// files in the repository: a page moved or a heading renamed must not leave a link that goes
// nowhere. Every relative link (and image) in README.md and docs/*.md must name a file that
// exists, and its #anchor a heading of that file, as GitHub makes heading anchors.
import { describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const ROOT = resolve(__dirname, '../..')
const PAGES = [
  'README.md',
  'ARCHITECTURE.md',
  'bench/README.md',
  ...['docs', 'docs/zh-CN'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `${dir}/${f}`)
  )
]

/** The page without its fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2... */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const line of markdown.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const heading = /^#{1,6} (.*)$/.exec(line)
    if (!heading) continue
    const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** Every relative link target of a page: [text](target) and ![alt](target), without a title. */
function links(markdown: string): string[] {
  const found: string[] = []
  for (const m of prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) found.push(m[1])
  }
  return found
}

describe('the documentation links', () => {
  it('finds the pages and their links', () => {
    expect(PAGES).toContain('docs/cli.md')
    expect(links(readFileSync(join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(10)
  })

  it.each(PAGES)('%s: every relative link names a file that exists and a heading it has', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8')
    const broken: string[] = []
    for (const link of links(text)) {
      const [path, anchor] = link.split('#', 2) as [string, string | undefined]
      const file = path === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), decodeURI(path))
      if (!existsSync(file)) {
        broken.push(`${link}: no such file`)
        continue
      }
      if (anchor === undefined || !file.endsWith('.md') || statSync(file).isDirectory()) continue
      if (!anchors(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))) broken.push(`${link}: no heading with that anchor`)
    }
    expect(broken, `broken links in ${page}`).toEqual([])
  })
})

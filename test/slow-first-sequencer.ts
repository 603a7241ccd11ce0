// The order files run in. Two things matter on two cores:
// - The e2e files (each its own web mode and Chromium, 10-40 s) go first. On a clean clone
//   vitest has no timings and orders files by size, which left an e2e file or two to run
//   alone at the end while the other workers sat idle.
// - Files of one project and one environment run one after another. A worker that shares its
//   module graph (isolate false) is kept for the next file only when the file at the head of
//   the queue is of its own project and environment; otherwise vitest ends it and starts
//   another, which loads the engine (or jsdom and Vue) again. In vitest's own order, engine,
//   CLI and renderer files alternated: the suite started 62 workers, and they and vitest's
//   own process took 362 s of CPU; grouped, 36 workers and 342 s.
import { readFile } from 'node:fs/promises'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

const isE2e = (f: TestSpecification): boolean => f.moduleId.includes('/test/e2e/')

/** The environment a file asks for in its docblock (`@vitest-environment jsdom`), else its project's. */
async function environmentOf(f: TestSpecification): Promise<string> {
  const head = (await readFile(f.moduleId, 'utf8')).slice(0, 2000)
  return /@vitest-environment\s+([\w-]+)/.exec(head)?.[1] ?? f.project.config.environment
}

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const keys = await Promise.all(sorted.map(async (f) => `${f.project.name} ${await environmentOf(f)}`))
    // Groups in the order their first file comes; within one, vitest's order.
    const groups = new Map<string, TestSpecification[]>()
    sorted.forEach((f, i) => {
      const group = groups.get(keys[i]!)
      if (group) group.push(f)
      else groups.set(keys[i]!, [f])
    })
    const all = [...groups.values()]
    return [...all.filter((g) => isE2e(g[0]!)), ...all.filter((g) => !isE2e(g[0]!))].flat()
  }
}

// The e2e files (each its own web mode and Chromium, 10-25 s) go first, then the rest in
// vitest's own order. On a clean clone vitest has no timings and orders files by size, which
// left an e2e file or two to run alone at the end while the other worker sat idle.
import { BaseSequencer, type TestSpecification } from 'vitest/node'

const isE2e = (f: TestSpecification): boolean => f.moduleId.includes('/test/e2e/')

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    return [...sorted.filter(isE2e), ...sorted.filter((f) => !isE2e(f))]
  }
}

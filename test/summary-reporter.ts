// Ends the run with the plain line CI reads: `N passed, M failed, K skipped`.
// A file that fails to load counts as one failure, so a broken import cannot pass silently.
import { writeFileSync } from 'node:fs'
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0
    let failed = errors.length
    let skipped = 0
    for (const m of modules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++
      for (const t of m.children.allTests()) {
        const state = t.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else skipped++
      }
    }
    const line = `${passed} passed, ${failed} failed, ${skipped} skipped`
    if (process.env.TCPSCOPE_SUMMARY_FILE) writeFileSync(process.env.TCPSCOPE_SUMMARY_FILE, JSON.stringify({ passed, failed, skipped }))
    process.stdout.write(`\n${line}\n`)
  }
}

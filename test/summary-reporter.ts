// Ends the run with the plain line CI reads: `N passed, M failed, K skipped`.
// A file that fails to load counts as one failure, so a broken import cannot pass silently.
// Before it, under CI (or TCPSCOPE_SLOWEST=N), the slowest test files with their time, and
// each file's slowest test: where CI's minutes go, measured in every run.
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import type { Reporter, TestModule } from 'vitest/node'

const SLOWEST = Number(process.env.TCPSCOPE_SLOWEST ?? (process.env.CI ? 15 : 0))

function slowestFiles(modules: ReadonlyArray<TestModule>, n: number): string[] {
  const rows = modules.map((m) => {
    const d = m.diagnostic()
    const own = d.collectDuration + d.setupDuration + d.duration
    let slowTest = ''
    let slowMs = 0
    for (const t of m.children.allTests()) {
      const ms = t.diagnostic()?.duration ?? 0
      if (ms > slowMs) [slowTest, slowMs] = [t.name, ms]
    }
    return { file: relative(process.cwd(), m.moduleId), ms: own, slowTest, slowMs }
  })
  rows.sort((a, b) => b.ms - a.ms)
  const total = rows.reduce((sum, r) => sum + r.ms, 0)
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
  return [
    `slowest ${Math.min(n, rows.length)} of ${rows.length} test files (${s(total)} of file time in all, up to three at a time):`,
    ...rows.slice(0, n).map((r) => `  ${s(r.ms).padStart(8)}  ${r.file}${r.slowTest ? `  (slowest test ${s(r.slowMs)}: ${r.slowTest})` : ''}`)
  ]
}

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
    if (SLOWEST > 0) process.stdout.write(`\n${slowestFiles(modules, SLOWEST).join('\n')}\n`)
    const line = `${passed} passed, ${failed} failed, ${skipped} skipped`
    if (process.env.TCPSCOPE_SUMMARY_FILE) writeFileSync(process.env.TCPSCOPE_SUMMARY_FILE, JSON.stringify({ passed, failed, skipped }))
    process.stdout.write(`\n${line}\n`)
  }
}

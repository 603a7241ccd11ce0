// Types for the part of proc.mjs the tests share with the bench.
import type { ChildProcess } from 'node:child_process'

export interface Stopped {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  ms: number
  /** Its stdout lines after the listening line. */
  lines: string[]
  stderr: string
}
export class ProxyProcess {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  host: string
  port: number
  stderr: string
  stop(timeoutMs?: number): Promise<Stopped>
  kill(): void
}
export function cpuSeconds(pid: number): number
export function memory(pid: number): { rss: number; hwm: number }

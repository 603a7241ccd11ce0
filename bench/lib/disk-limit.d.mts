// Types for disk-limit.mjs, which the tests share with the bench.
export interface DiskLimit {
  /** The throttled disk, major:minor. */
  disk: string
  add(pid: number): void
  wrap(command: string, args: string[]): [string, string[]]
  remove(): void
}
/** Throws a one-line Error when the disk under `dir` cannot be throttled here. */
export function limitDisk(dir: string, mbps: number): DiskLimit

// Human-readable numbers, durations and addresses, the same in the CLI and the UI.

import type { PeerAddress } from './peer-address'

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`
}

/**
 * A whole number with commas between thousands ("100,000"), as toLocaleString('en-US') writes
 * it, without ICU: its first use in a process costs about 18 ms, and a message made as a
 * module loads paid that at every start of the CLI, web mode and a script's thread.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n)
  const digits = String(Math.abs(n))
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1)
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`
  return n < 0 ? `-${out}` : out
}

/**
 * What the capture's two clocks can tell apart, in ms: wall-clock times (a connection's
 * opened and closed) are whole milliseconds; the monotonic times of records (gaps between
 * turns, times since the open) are finer than a microsecond, shown to the microsecond.
 */
export const WALL_CLOCK_MS = 1
export const MONO_CLOCK_MS = 0.001

/**
 * A duration in the unit that suits it, with no more digits than `resolution` (ms) can
 * tell: a wall-clock duration of 8 ms reads "8 ms", never "8.00 ms"; one too short for the
 * clock reads "< 1 ms", never "0 µs".
 */
export function formatDuration(ms: number, resolution = MONO_CLOCK_MS): string {
  if (ms < resolution) return resolution >= 1 ? `< ${resolution} ms` : `< ${Math.round(resolution * 1000)} µs`
  if (ms < 1) return `${Math.round(ms * 1000)} µs`
  if (ms < 1000) {
    if (resolution >= 1) return `${Math.round(ms)} ms`
    // Three significant digits, at most the clock's.
    const decimals = Math.min(ms < 10 ? 2 : ms < 100 ? 1 : 0, Math.max(0, -Math.floor(Math.log10(resolution))))
    return `${ms.toFixed(decimals)} ms`
  }
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  if (ms < 3_600_000) {
    const m = Math.floor(ms / 60_000)
    return `${m} min ${Math.floor((ms % 60_000) / 1000)} s`
  }
  const h = Math.floor(ms / 3_600_000)
  return `${h} h ${Math.floor((ms % 3_600_000) / 60_000)} min`
}

export function formatPeer(p: PeerAddress | undefined): string {
  if (p === undefined) return '-'
  if ('path' in p) return p.path
  return p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`
}

/** Local time with milliseconds, e.g. `2026-11-21 22:10:01.123`. */
export function formatTimestamp(ms: number, withDate = true): string {
  const d = new Date(ms)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  return withDate ? `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}` : time
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 }

/**
 * A byte size as people write it: `1048576`, `512k`, `8MiB`, `1.5 GiB` (binary units, as
 * formatBytes prints them; KB, MB and GB are read as KiB, MiB and GiB too). Undefined when
 * it is not one, or not a whole number of bytes.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m === null ? undefined : SIZE_UNITS[m[2].toLowerCase()]
  if (m === null || unit === undefined) return undefined
  const n = Number(m[1]) * unit
  return Number.isSafeInteger(n) ? n : undefined
}

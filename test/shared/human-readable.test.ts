// Durations as people read them: the unit that suits, and no digit the clock cannot tell;
// counts with their thousands marked, as toLocaleString('en-US') writes them;
// and byte sizes as people write them (`--body-limit 8MiB`).
import { describe, expect, it } from 'vitest'
import { formatCount, formatDuration, MONO_CLOCK_MS, parseByteSize, WALL_CLOCK_MS } from '../../src/shared/human-readable'

describe('formatDuration', () => {
  it('writes wall-clock durations in whole milliseconds, the clock they come from', () => {
    expect(formatDuration(8, WALL_CLOCK_MS)).toBe('8 ms')
    expect(formatDuration(0, WALL_CLOCK_MS)).toBe('< 1 ms')
    expect(formatDuration(999, WALL_CLOCK_MS)).toBe('999 ms')
    expect(formatDuration(1234, WALL_CLOCK_MS)).toBe('1.23 s')
    expect(formatDuration(125_000, WALL_CLOCK_MS)).toBe('2 min 5 s')
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000 + 30_000, WALL_CLOCK_MS)).toBe('2 h 5 min')
  })

  it('writes monotonic durations to the microsecond, never "0 µs"', () => {
    expect(formatDuration(0, MONO_CLOCK_MS)).toBe('< 1 µs')
    expect(formatDuration(0.0004)).toBe('< 1 µs')
    expect(formatDuration(0.35)).toBe('350 µs')
    expect(formatDuration(8.123)).toBe('8.12 ms')
    expect(formatDuration(26.54)).toBe('26.5 ms')
    expect(formatDuration(512.4)).toBe('512 ms')
  })
})

describe('formatCount', () => {
  it('writes what toLocaleString("en-US") writes for whole numbers, without ICU', () => {
    const samples = [0, 7, 42, 999, 1000, 1001, 65_535, 100_000, 999_999, 1_000_000, 12_345_678, -1, -1234, -100_000, Number.MAX_SAFE_INTEGER]
    for (let i = 0; i < 200; i++) samples.push(Math.floor(Math.random() * 10 ** Math.floor(Math.random() * 16)))
    for (const n of samples) expect(formatCount(n)).toBe(n.toLocaleString('en-US'))
  })
})

describe('parseByteSize', () => {
  it('reads bytes and binary units, with or without a space', () => {
    expect(parseByteSize('1048576')).toBe(1048576)
    expect(parseByteSize('512k')).toBe(512 * 1024)
    expect(parseByteSize('8MiB')).toBe(8 * 1024 * 1024)
    expect(parseByteSize('8 MB')).toBe(8 * 1024 * 1024)
    expect(parseByteSize('1.5GiB')).toBe(1.5 * 1024 ** 3)
    expect(parseByteSize('100B')).toBe(100)
  })

  it('refuses what is not a size of whole bytes', () => {
    for (const bad of ['', 'MiB', '-1', '8 furlongs', '1.5', '0.3k', '1e3']) expect(parseByteSize(bad)).toBeUndefined()
  })
})

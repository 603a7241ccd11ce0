// Argument parsing for the CLI on node:util parseArgs, with one-line usage errors.

import { parseArgs, type ParseArgsConfig } from 'node:util'
import { MAX_TIMER_MS } from '../shared/limits'
import { formatBytes, parseByteSize } from '../shared/human-readable'

export type Options = NonNullable<ParseArgsConfig['options']>

export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>

export class UsageError extends Error {}

/** Whether `arg` names one of the options (`--name`, `--name=value`, `-x`). */
function namesOption(arg: string, options: Options): boolean {
  if (arg.startsWith('--')) return arg.slice(2).split('=')[0] in options
  return arg.length === 2 && Object.values(options).some((o) => o.short === arg[1])
}

/**
 * `--conn -1` as `--conn=-1`, `--filter -path:/ws` as `--filter=-path:/ws`: parseArgs would
 * take a value that starts with `-` for an option and call it ambiguous or missing; one that
 * names no option of the command is the value (whose own check then says what is wrong with it).
 */
function joinDashValues(argv: string[], options: Options): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') && !argv[i].includes('=') ? argv[i].slice(2) : undefined
    const next = argv[i + 1] ?? ''
    if (name !== undefined && options[name]?.type === 'string' && /^-./.test(next) && next !== '--' && !namesOption(next, options)) out.push(`${argv[i]}=${argv[++i]}`)
    else out.push(argv[i])
  }
  return out
}

export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: joinDashValues(argv, options), options, allowPositionals: true, strict: true })
  } catch (err) {
    const e = err as Error & { code?: string }
    const first = e.message.split(/\.\s|\n/)[0].replace(/^Unknown option/, 'unknown option')
    throw new UsageError(`${command}: ${first} (see \`tcpscope ${command} --help\`)`)
  }
}

export function requireString(command: string, value: string | undefined, flag: string, hint: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command}: ${flag} is required (${hint})`)
  return value
}

export function parseWhole(command: string, value: string | undefined, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`
    throw new UsageError(`${command}: ${flag} wants a whole number ${range}, got "${value}"`)
  }
  return Number(value)
}

/** A byte size (`8MiB`, `512k`, `1048576`), from `min` to `max` bytes. */
export function parseSize(command: string, value: string | undefined, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined
  const n = parseByteSize(value)
  if (n === undefined || n < min || n > max) {
    throw new UsageError(`${command}: ${flag} wants a size from ${formatBytes(min)} to ${formatBytes(max)}, e.g. 8MiB or 512KiB; got "${value}"`)
  }
  return n
}

/** A duration in milliseconds, within what a timer can hold. */
export function parseMs(command: string, value: string | undefined, flag: string, min = 1, max = MAX_TIMER_MS): number | undefined {
  return parseWhole(command, value, flag, min, max)
}

export function oneOfFlag<T extends string>(command: string, value: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${command}: ${flag} must be one of ${allowed.join(', ')}, got "${value}"`)
  }
  return value as T
}

// Argument parsing for the CLI on node:util parseArgs, with one-line usage errors.

import { parseArgs, type ParseArgsConfig } from 'node:util'

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>

export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    const e = err as Error & { code?: string }
    const first = e.message.split(/\.\s|\n/)[0].replace(/^Unknown option/, 'unknown option')
    throw new UsageError(`${command}: ${first} (see \`tcpscope help\`)`)
  }
}

export function requireString(command: string, value: string | undefined, flag: string, hint: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command}: ${flag} is required (${hint})`)
  return value
}

export function parseWhole(command: string, value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${command}: ${flag} wants a whole number >= ${min}, got "${value}"`)
  return Number(value)
}

export function oneOfFlag<T extends string>(command: string, value: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${command}: ${flag} must be one of ${allowed.join(', ')}, got "${value}"`)
  }
  return value as T
}

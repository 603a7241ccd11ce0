// A command is one table of options (what the parser accepts and what --help says about
// each), a one-line usage and a run function, so the parser and the help can never
// disagree about what a command takes.

import { parseCommandArgs, UsageError, type Options, type Parsed } from './args'
import { commandHelp, type HelpOption } from './help-text'
import type { Io } from './output'

export type OptionSpec = Options[string] & {
  /** The value's placeholder in help (`MS`, `FILE`); none for a flag. */
  arg?: string
  about: string
}

export type OptionTable = Record<string, OptionSpec>

export interface CommandSpec<O extends OptionTable> {
  name: string
  /** One line: what the command is for. */
  about: string
  /** One line naming every option, as printed with usage errors. */
  usage: string
  options: O
  /** Paragraphs printed after the options (exit codes, signals). */
  notes?: string[]
  /** Typical lines, each with what it does: printed by --help and in docs/cli.md. */
  examples: Example[]
  run(args: Parsed<O>, io: Io): Promise<number>
}

export interface Example {
  line: string
  /** What the line does, one sentence. */
  about: string
}

export interface Command {
  name: string
  about: string
  usage: string
  /** Every option with its --help text, `--help` itself last. */
  options: Record<string, HelpOption>
  notes: string[]
  examples: Example[]
  help(): string
  run(argv: string[], io: Io): Promise<number>
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h', about: 'print this help and exit' } } as const

const asksForHelp = (argv: string[]): boolean => argv.includes('--help') || argv.includes('-h')

export function defineCommand<O extends OptionTable>(spec: CommandSpec<O>): Command {
  const options = { ...spec.options, ...HELP_OPTION }
  const notes = spec.notes ?? []
  const help = (): string => commandHelp(spec.name, spec.about, spec.usage, options, notes, spec.examples)
  const printHelp = (io: Io): number => {
    io.out.write(help() + '\n')
    return 0
  }
  return {
    name: spec.name,
    about: spec.about,
    usage: spec.usage,
    options,
    notes,
    examples: spec.examples,
    help,
    run: async (argv, io) => {
      let parsed: Parsed<O>
      try {
        parsed = parseCommandArgs(spec.name, argv, options) as unknown as Parsed<O>
      } catch (err) {
        // Someone asking for help with a mistake in the line wants the help, not the mistake.
        if (err instanceof UsageError && asksForHelp(argv)) return printHelp(io)
        throw err
      }
      if ((parsed.values as { help?: boolean }).help) return printHelp(io)
      return spec.run(parsed, io)
    }
  }
}

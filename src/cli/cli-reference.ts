// docs/cli.md: every command's usage, options (with their defaults, as --help words them),
// notes and examples, in Markdown, from the same specs that print --help and parse the
// line. `tcpscope help --markdown` prints it; `npm run docs:cli` writes it; a test fails
// when the committed file differs.

import type { Command } from './command-spec'
import { optionLabel, wrapUsage } from './help-text'

/** Text for a Markdown table cell: a `|` would end the cell, a newline the row. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** An inline code span that holds backticks of its own. */
function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  return longest > 0 ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`
}

function commandSection(c: Command): string[] {
  const out = [`## \`tcpscope ${c.name}\``, '', `${c.about[0].toUpperCase()}${c.about.slice(1)}.`, '', '```', ...wrapUsage(c.usage, ''), '```', '']
  out.push('| option | what it does |', '|---|---|')
  for (const [long, o] of Object.entries(c.options)) out.push(`| ${cell(code(optionLabel(long, o)))} | ${cell(o.about + (o.multiple ? ' (repeatable)' : ''))} |`)
  out.push('')
  for (const note of c.notes) out.push(note, '')
  if (c.examples.length > 0) {
    out.push('Examples:', '', '```sh')
    c.examples.forEach((e, i) => out.push(...(i > 0 ? [''] : []), `# ${e.about}`, e.line))
    out.push('```', '')
  }
  return out
}

export function cliReference(commands: Command[]): string {
  const out = [
    '# The CLI reference',
    '',
    '<!-- Written by `npm run docs:cli` from the command specs in src/cli/commands (the same ones that print `--help`); do not edit by hand. -->',
    '',
    'Run the CLI with plain Node, no Electron: build it once (`npm run build:cli`), then `node bin/tcpscope.js COMMAND ...` from the checkout, or `npm link` once for a `tcpscope` on your PATH. `tcpscope COMMAND --help` prints the same text as a section below. Every error is one line on stderr; the exit code is 2 for a usage error and 1 for most others (70 says tcpscope stopped before its command finished: a bug to report). A command that runs until stopped takes one SIGINT (Ctrl-C) or SIGTERM to stop cleanly, completing its capture; a second signal while it completes exits at once (130 or 143), and its capture then ends at its last whole record, as after a crash: readable, with what came after that record lost (a temporary capture is deleted all the same). `timeout -k 10 60 tcpscope ...` gives it the time a clean stop needs (GNU timeout sends one SIGTERM, and SIGKILL only with -k).',
    '',
    '| command | what it is for |',
    '|---|---|',
    ...commands.map((c) => `| [\`${c.name}\`](#tcpscope-${c.name}) | ${cell(c.about)} |`),
    ''
  ]
  for (const c of commands) out.push(...commandSection(c))
  return out.join('\n').replace(/\n+$/, '\n')
}

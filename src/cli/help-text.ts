// Lays out `tcpscope COMMAND --help`: the usage line wrapped between its option groups,
// then one line (or a few, wrapped) per option.

const WIDTH = 100

/** The usage line cut only between top-level groups, so `[--interval MS [--count N]]` stays whole. */
function usageGroups(usage: string): string[] {
  const groups: string[] = []
  let depth = 0
  let current = ''
  for (const ch of usage) {
    if (ch === '[' || ch === '(') depth++
    if (ch === ']' || ch === ')') depth--
    if (ch === ' ' && depth === 0) {
      if (current) groups.push(current)
      current = ''
    } else current += ch
  }
  if (current) groups.push(current)
  return groups
}

/** Words filled into lines of at most `width` characters, each line after the first indented. */
function fill(words: string[], first: string, indent: string, width = WIDTH): string[] {
  const lines: string[] = []
  let current = first
  let fresh = true
  for (const w of words) {
    if (!fresh && current.length + 1 + w.length > width) {
      lines.push(current)
      current = indent + w
    } else current += (fresh ? '' : ' ') + w
    fresh = false
  }
  lines.push(current)
  return lines
}

export interface HelpOption {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  arg?: string
  about: string
}

/** `-o, --output OUT`: how an option is written in help and in the reference. */
export function optionLabel(long: string, o: HelpOption): string {
  const flag = `${o.short ? `-${o.short}, ` : ''}--${long}`
  return o.arg ? `${flag} ${o.arg}` : flag
}

export function wrapUsage(usage: string, prefix = 'usage: '): string[] {
  const groups = usageGroups(usage)
  // Continuation lines start under the command's first option.
  const head = groups.slice(0, 2).join(' ')
  return fill(groups.slice(2), prefix + head + ' ', ' '.repeat(prefix.length + head.length + 1))
}

export function commandHelp(name: string, about: string, usage: string, options: Record<string, HelpOption>, notes: string[], examples: { line: string; about: string }[] = []): string {
  const names = Object.entries(options).map(([long, o]) => optionLabel(long, o))
  const column = Math.min(Math.max(...names.map((n) => n.length)) + 4, 34)
  const lines = [`tcpscope ${name}: ${about}`, '', ...wrapUsage(usage), '', 'options:']
  Object.values(options).forEach((o, i) => {
    const label = `  ${names[i]}`
    const more = o.multiple ? ' (repeatable)' : ''
    const words = (o.about + more).split(' ')
    if (label.length + 2 > column) lines.push(label, ...fill(words, ' '.repeat(column), ' '.repeat(column)))
    else lines.push(...fill(words, label.padEnd(column), ' '.repeat(column)))
  })
  for (const note of notes) lines.push('', ...fill(note.split(' '), '', ''))
  if (examples.length > 0) lines.push('', 'examples:')
  for (const e of examples) lines.push(...fill(e.about.split(' '), '  # ', '  # '), `  ${e.line}`)
  return lines.join('\n')
}

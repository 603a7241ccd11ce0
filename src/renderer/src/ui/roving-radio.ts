// A radio group as the WAI-ARIA pattern has it: one tab stop (the checked option), and the
// arrow keys check the next or previous option, round the ends; Home and End the first and last.

const STEPS: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }

/** The option `key` checks in a group whose checked option is `current`; undefined for other keys. */
export function radioAfterKey<T>(options: readonly T[], current: T, key: string): T | undefined {
  if (options.length === 0) return undefined
  if (key === 'Home') return options[0]
  if (key === 'End') return options[options.length - 1]
  const step = STEPS[key]
  if (step === undefined) return undefined
  const at = Math.max(0, options.indexOf(current))
  return options[(at + step + options.length) % options.length]
}

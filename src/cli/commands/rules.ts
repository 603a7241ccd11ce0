// `tcpscope rules check FILE`: a rules file read and checked by the engine as `--rules`
// would load it, printed rule by rule in words (or its one-line error). `--rules FILE` is
// the option `proxy` and `serve` share.

import type { RuleInfo, Step } from '../../shared/rules/rule-types'
import type { RulesState } from '../../shared/rules/rule-args'
import type { Engine } from '../../core/engine'
import { parseWhole, UsageError, type Parsed } from '../args'
import { withCaptureFile } from './open-capture'
import { defineCommand, type OptionTable } from '../command-spec'
import { startEngine } from '../engine-run'
import { EXIT } from '../exit-codes'
import { line, writeAll, type Io } from '../output'
import { eventJson } from '../event-lines'

export const RULES_OPTION = {
  rules: { type: 'string', arg: 'FILE', about: 'traffic rules (JSON or YAML: mock, rewrite, forward, delay, close, reset) tried in order on every request; saving the file reloads them (docs/rules-and-scripts.md)' },
  script: {
    type: 'string',
    arg: 'FILE',
    about: 'a module of hooks (.js, .mjs or .ts: onRequest, onResponse, onMessage, onConnect, onClose) run in a thread of its own on what no rule answered; a hook that throws or runs too long lets the traffic through and is reported once; saving the file reloads it'
  }
} as const satisfies OptionTable

const RULES_USAGE = 'tcpscope rules check FILE [--json] | tcpscope rules from CAPTURE --conn ID [--exchange N [--rewrite] | --message N]'

const OPTIONS = {
  json: { type: 'boolean', about: 'check: print the checked rules as JSON' },
  conn: { type: 'string', arg: 'ID', about: 'from: the connection whose exchange the rule answers as' },
  exchange: { type: 'string', arg: 'N', about: 'from: which exchange of the connection, numbered from 1 as `show` numbers them (default 1, its first)' },
  rewrite: { type: 'boolean', about: "from: a rule that rewrites requests like the exchange's (filled in with its JSON values or its own headers, to edit), not one that answers it" },
  message: { type: 'string', arg: 'N', about: "from: a raw connection's client message, numbered from 1 as `show` numbers them, whose recorded reply the rule answers with" }
} as const satisfies OptionTable

/** A step in a few words. */
export function stepWords(step: Step): string {
  if ('respond' in step) {
    const r = step.respond
    if (r.grpc !== undefined) return `answer gRPC status ${r.grpc.status}${r.grpc.message ? ` "${r.grpc.message}"` : ''}`
    if (r.resp !== undefined) return `answer redis ${JSON.stringify(r.resp)}`
    if (r.text !== undefined || r.hex !== undefined) return `answer ${r.text !== undefined ? Buffer.byteLength(r.text) : r.hex!.replace(/\s/g, '').length / 2} bytes`
    const body = r.json !== undefined ? ' with JSON' : r.file !== undefined ? ` with ${r.file}` : r.body !== undefined ? ` with ${r.body.length} characters` : ''
    return `answer ${r.status ?? 200}${body}`
  }
  if ('forward' in step) return `forward to ${step.forward.to}`
  if ('rewrite' in step) {
    const parts = [step.rewrite.request ? 'the request' : '', step.rewrite.response ? 'the response' : '', step.rewrite.bytes ? 'the bytes' : ''].filter(Boolean)
    return `rewrite ${parts.join(' and ')}`
  }
  if ('delay' in step) return `wait ${step.delay} ms`
  if ('close' in step) return 'close the connection'
  if ('reset' in step) return 'reset the connection'
  if ('drop' in step) return 'drop it'
  return 'never answer'
}

export function ruleLine(r: RuleInfo, i: number): string {
  const count = r.spec.once === true ? ' (once)' : r.spec.times !== undefined ? ` (${r.spec.times} times)` : ''
  const off = r.enabled ? '' : ' [off]'
  return `${i + 1}. ${r.label}${off}: ${r.spec.steps.map(stepWords).join(', then ')}${count}`
}

/** Each rule an earlier one hides (the engine's `hiddenBy`), in words: what `rules check` and every `--rules` warn. */
export function hiddenRuleWarnings(rules: readonly RuleInfo[]): string[] {
  const named = (i: number): string => `rule ${i + 1} "${rules[i].label}"`
  return rules.flatMap((r, i) => {
    const by = r.hiddenBy === undefined ? -1 : rules.findIndex((x) => x.id === r.hiddenBy)
    return by < 0 ? [] : [`${named(i)} never acts: ${named(by)} matches everything it matches, and the first that matches acts`]
  })
}

/** The warnings of `rules`' hidden rules on stderr, one line each (with --json, the JSON line of an engine warning). */
function warnHidden(rules: readonly RuleInfo[], io: Io, json = false): void {
  for (const message of hiddenRuleWarnings(rules)) line(io.err, json ? eventJson({ type: 'warning', message }) : `tcpscope: warning: ${message}`)
}

/**
 * Warns of the rules of proxy (or mock server) `proxyId` that an earlier one hides: those of
 * `state` now, and again after each change of its rules while the engine runs (its rules file
 * saved). A rule acting sends the rules too: with the same ids in the same order and hidden
 * by the same, nothing is said again.
 */
export function watchHiddenRules(engine: Engine, proxyId: string, state: RulesState, io: Io, json: boolean): void {
  const key = (s: RulesState): string => s.rules.map((r) => `${r.id}<${r.hiddenBy ?? ''}`).join(' ')
  let said = key(state)
  warnHidden(state.rules, io, json)
  engine.subscribe(
    (e) => {
      if (e.type !== 'rules-updated' || e.proxyId !== proxyId || key(e.state) === said) return
      said = key(e.state)
      warnHidden(e.state.rules, io, json)
    },
    { connections: false }
  )
}

/** `--rules FILE` loaded for proxy (or mock server) `proxyId`, its hidden rules warned of now and at each reload. */
export async function loadRulesOption(engine: Engine, proxyId: string, path: string, io: Io, json: boolean): Promise<void> {
  watchHiddenRules(engine, proxyId, await engine['rules.load']({ proxyId, path }), io, json)
}

async function runFrom(values: Parsed<typeof OPTIONS>['values'], file: string, io: Io): Promise<number> {
  const connId = parseWhole('rules from', values.conn, '--conn', 1)
  if (connId === undefined) throw new UsageError(`rules from needs --conn ID (tcpscope ls ${file} lists them); usage: ${RULES_USAGE}`)
  // Numbered from 1 as `show` prints them; the engine counts from 0.
  const message = parseWhole('rules from', values.message, '--message', 1)
  if (message !== undefined && (values.exchange !== undefined || values.rewrite === true)) throw new UsageError(`rules from: --message makes a rule from a raw message; --exchange and --rewrite are for an HTTP exchange; usage: ${RULES_USAGE}`)
  const source = message !== undefined ? { message: message - 1 } : { exchange: (parseWhole('rules from', values.exchange, '--exchange', 1) ?? 1) - 1, as: values.rewrite === true ? ('rewrite' as const) : ('mock' as const) }
  return withCaptureFile(file, async ({ engine, capture }) => {
    const rule = await engine['rules.from']({ capture, connId, ...source })
    await writeAll(io.out, JSON.stringify({ rules: [rule] }, null, 2) + '\n')
    return EXIT.ok
  })
}

async function runRules({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  const [sub, file, ...more] = positionals
  if (sub === 'from' && file !== undefined && more.length === 0) return runFrom(values, file, io)
  if (sub !== 'check') throw new UsageError(`rules: ${sub === undefined ? 'say what to do' : `unknown action "${sub}"`}; usage: ${RULES_USAGE}`)
  if (file === undefined || more.length > 0) throw new UsageError(`rules check takes one rules file; usage: ${RULES_USAGE}`)
  const run = await startEngine({ readsFiles: true })
  try {
    const state = await run.engine['rules.check']({ path: file })
    if (values.json === true) await writeAll(io.out, JSON.stringify(state.rules.map((r) => r.spec)) + '\n')
    else await writeAll(io.out, [`${file}: ${state.rules.length} rule${state.rules.length === 1 ? '' : 's'}, tried in order (the first that matches acts)`, ...state.rules.map(ruleLine)].join('\n') + '\n')
    // A rule hidden by an earlier one is not an error (the file loads), but never what was meant.
    warnHidden(state.rules, io)
    return EXIT.ok
  } finally {
    await run.finish()
  }
}

export const rulesCommand = defineCommand({
  name: 'rules',
  about: 'check a rules file and print its rules in words, or make a rule from a recorded exchange or message',
  usage: RULES_USAGE,
  options: OPTIONS,
  notes: ['A rules file is JSON or YAML: { "rules": [ { "name": ..., "match": {...}, "steps": [...] } ] }. Every error names the rule and the field. docs/rules-and-scripts.md has the schema.'],
  examples: [
    { line: 'tcpscope rules check rules.json', about: 'Check rules.json and list what each rule does.' },
    { line: 'tcpscope rules from web.tcap --conn 3 --exchange 1 > mock.json', about: 'A rules file that answers that request as the server did (its body decoded).' },
    { line: 'tcpscope rules from web.tcap --conn 3 --exchange 1 --rewrite > rewrite.json', about: 'A rule that rewrites requests like that one, filled in with its JSON values or headers to edit.' },
    { line: 'tcpscope rules from redis.tcap --conn 2 --message 4 > flag.json', about: 'A rule that answers that redis command with the reply recorded for it.' }
  ],
  run: runRules
})

// `tcpscope up FILE.json`: start a setup headless (its proxies with their breakpoints and
// toxics, servers, clients) and run until SIGINT/SIGTERM, printing events as `proxy` does.
// For CI: the file is checked field by field first, and a part that does not start stops
// the whole run with exit 1 unless --keep-going.

import { resolve } from 'node:path'
import { UserError } from '../../shared/errors'
import { MAX_SETUP_BYTES, type Setup } from '../../shared/setup-types'
import { readSmallFile } from '../../core/files/read-small-file'
import { UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, DISK_SLOW_OPTION, jsonOption, QUIET_OPTION, whenDiskIsSlowOf } from '../common-options'
import { describeFinished, printEvents, startEngineUntilStopped } from '../engine-run'
import { EXIT } from '../exit-codes'
import { line, type Io } from '../output'
import { sayOutcome } from '../setup-outcome'
import { BreakConsole } from '../break-console'
import { watchHiddenRules } from './rules'

const UP_USAGE = 'tcpscope up FILE.json [--keep-going] [--capture FILE [--force]] [--when-disk-is-slow pause|drop] [--json] [--quiet]'

const OPTIONS = {
  'keep-going': { type: 'boolean', about: 'run what started even when some part of the setup did not (each is still one line on stderr)' },
  ...CAPTURE_OPTIONS,
  ...DISK_SLOW_OPTION,
  ...jsonOption('{"type":"up","proxies":[...],...}'),
  ...QUIET_OPTION
} as const satisfies OptionTable

/** The file's setup as parsed JSON; what it holds is checked by the engine (setup.apply). */
async function readSetupFile(path: string): Promise<Setup> {
  const text = (await readSmallFile(path, `up: cannot read ${path}`, MAX_SETUP_BYTES, 'a setup')).toString('utf8')
  try {
    return JSON.parse(text) as Setup
  } catch (err) {
    throw new UserError(`up: ${path} is not JSON (${(err as Error).message}); a setup is a JSON object, as the app's Export setup writes it`, 'EINVAL')
  }
}

async function runUp({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`up: give one setup file; usage: ${UP_USAGE}`)
  const path = resolve(positionals[0])
  const setup = await readSetupFile(path)
  const json = values.json === true
  const { run, stop } = await startEngineUntilStopped({ capture: values.capture, force: values.force, whenDiskIsSlow: whenDiskIsSlowOf('up', values['when-disk-is-slow']) })
  const { engine, shownCapture } = run
  let started
  try {
    started = await engine['setup.apply']({ setup }).catch((err: unknown) => {
      throw err instanceof UserError ? new UserError(`up: ${path}: ${err.message}`, err.code) : err
    })
  } catch (err) {
    stop.dispose()
    await run.abandon()
    throw err
  }
  const whole = sayOutcome(started, io)
  if (!whole && values['keep-going'] !== true) {
    stop.dispose()
    line(io.err, 'tcpscope: up: stopping what started (--keep-going runs it anyway)')
    await run.finish()
    return EXIT.failed
  }
  // A proxy's rules (its rules file, or the list the setup holds) as `proxy --rules` warns of them.
  for (const proxyId of started.proxies) watchHiddenRules(engine, proxyId, await engine['rules.list']({ proxyId }), io, json)
  const proxies = (await engine['proxy.list']()).filter((p) => started.proxies.includes(p.id))
  const sessions = await engine['session.list']()
  if (json) {
    line(io.out, JSON.stringify({ type: 'up', proxies: proxies.map(({ id, listen, target }) => ({ id, listen, target })), sessions: sessions.map((s) => ({ id: s.id, kind: s.kind, ...(s.kind === 'server' ? { listen: s.listen } : { target: s.target }) })), failures: started.failures, capture: shownCapture }))
  } else {
    for (const p of proxies) line(io.out, `tcpscope: ${p.id} listening on ${p.listen} -> ${p.target}`)
    for (const s of sessions) line(io.out, s.kind === 'server' ? `tcpscope: ${s.id} server listening on ${s.listen}` : `tcpscope: ${s.id} client -> ${s.target} (${s.state})`)
    line(io.out, `tcpscope: up${shownCapture ? `, capturing to ${shownCapture}` : ''} (Ctrl-C stops)`)
  }
  const printer = printEvents(engine, io, { json, quiet: values.quiet })
  const breaks = (await Promise.all(started.proxies.map((proxyId) => engine['break.list']({ proxyId })))).flat()
  const breakConsole = breaks.length > 0 ? new BreakConsole(engine, io, { input: process.stdin, env: process.env }) : undefined
  breakConsole?.start()
  const signal = await stop.signal
  breakConsole?.stop()
  const finished = await run.finish()
  // The stop line is the last: what the engine said while it stopped is written first, and
  // the printer stops listening, so nothing the engine says later comes after it.
  await printer.drained()
  printer.unsubscribe()
  line(io.err, describeFinished(finished))
  if (json) line(io.out, JSON.stringify({ type: 'stopped', signal }))
  else line(io.out, `tcpscope: stopped (${signal})`)
  return EXIT.ok
}

export const upCommand = defineCommand({
  name: 'up',
  about: 'start a saved setup (proxies, servers, clients) headless, e.g. in CI',
  usage: UP_USAGE,
  options: OPTIONS,
  notes: [
    'FILE is a setup as the app exports it (Setups ▸ Export) or as written by hand: {"kind": "tcpscope-setup", "version": 1, "proxies": [{"start": {"listen": "127.0.0.1:6380", "target": "127.0.0.1:6379"}, "toxics": [...], "breakpoints": [...]}], "servers": [...], "clients": [...]}. docs/setup-format.md describes every field.',
    'Every field is checked before anything starts; each wrong one is named by its path (proxies[0].start.listen: ...). A part that then fails to start (a port in use) is one line on stderr, and the run stops with exit 1 unless --keep-going.',
    'Ctrl-C (SIGINT) or SIGTERM stops everything and completes the capture.'
  ],
  examples: [
    { line: 'tcpscope up setup.json --capture ci.tcap', about: 'Start a saved setup headless (e.g. in CI) until Ctrl-C.' }
  ],
  run: runUp
})

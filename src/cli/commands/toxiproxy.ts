// `tcpscope toxiproxy`: the Toxiproxy-compatible API, headless, until SIGINT/SIGTERM. Each
// proxy a client makes is a tcpscope recording proxy; its connections go to the capture.
// Also where `web --toxiproxy-api` gets its listener from, so both say the same things.

import { version } from '../../../package.json'
import type { Engine } from '../../core/engine'
import { isLoopback } from '../../core/front/web-server'
import { parseUserEndpoint } from '../../core/net/user-endpoint'
import { TOXIPROXY_DEFAULT_LISTEN, ToxiproxyApi } from '../../core/toxiproxy/toxiproxy-api'
import { UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, jsonOption, QUIET_OPTION } from '../common-options'
import { describeFinished, printEvents, startEngineUntilStopped } from '../engine-run'
import { line, type Io } from '../output'

const USAGE = 'tcpscope toxiproxy [--listen [HOST:]PORT] [--capture FILE [--force]] [--allow-remote] [--json] [--quiet]'

/**
 * Starts the API on `text` (`[HOST:]PORT`, a port alone on 127.0.0.1). Beyond loopback
 * only with `allowRemote`, and with a warning: like Toxiproxy's, the API has no authentication.
 */
export async function startToxiproxyApi(engine: Engine, text: string, allowRemote: { allowed: boolean; flag: string }, io: Io): Promise<ToxiproxyApi> {
  const listen = parseUserEndpoint(text, '--listen', '127.0.0.1')
  if (listen.kind === 'unix') throw new UsageError('toxiproxy: the API listens on [HOST:]PORT (its clients speak HTTP over TCP), not a socket path')
  if (!isLoopback(listen) && !allowRemote.allowed) {
    throw new UsageError(`toxiproxy: ${text} is beyond this machine and the API has no authentication; add ${allowRemote.flag} to serve it there anyway, or listen on 127.0.0.1`)
  }
  const api = await ToxiproxyApi.start(engine, { listen, version })
  if (!isLoopback(listen)) {
    line(io.err, `tcpscope: warning: the Toxiproxy API listens on ${api.listening}, beyond this machine, with no authentication: anyone who reaches it makes proxies listen and connect where they ask`)
  }
  return api
}

const OPTIONS = {
  listen: { type: 'string', arg: '[HOST:]PORT', about: `where to serve the API (default ${TOXIPROXY_DEFAULT_LISTEN}, Toxiproxy's); a port alone means 127.0.0.1:PORT` },
  ...CAPTURE_OPTIONS,
  'allow-remote': { type: 'boolean', about: 'allow a --listen beyond loopback (0.0.0.0, a LAN address): the API has no authentication' },
  ...jsonOption('{"type":"listening",...}'),
  ...QUIET_OPTION
} as const satisfies OptionTable

async function runToxiproxy({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`toxiproxy: unexpected argument "${positionals[0]}"; usage: ${USAGE}`)
  const json = values.json === true
  const { run, stop } = await startEngineUntilStopped({ capture: values.capture, force: values.force })
  let api: ToxiproxyApi
  try {
    api = await startToxiproxyApi(run.engine, values.listen ?? TOXIPROXY_DEFAULT_LISTEN, { allowed: values['allow-remote'] === true, flag: '--allow-remote' }, io)
  } catch (err) {
    stop.dispose()
    await run.finish()
    throw err
  }
  const capture = run.shownCapture
  if (json) line(io.out, JSON.stringify({ type: 'listening', api: `http://${api.listening}`, listen: api.listening, capture }))
  else line(io.out, `tcpscope: Toxiproxy API at http://${api.listening}${capture ? `, capturing to ${capture}` : ''} (Ctrl-C stops)`)
  const printer = printEvents(run.engine, io, { json, quiet: values.quiet })

  const signal = await stop.signal
  await api.stop()
  const finished = await run.finish()
  // The stop line is the last, as in up.
  await printer.drained()
  printer.unsubscribe()
  line(io.err, describeFinished(finished))
  if (json) line(io.out, JSON.stringify({ type: 'stopped', signal }))
  else line(io.out, `tcpscope: stopped (${signal})`)
  return 0
}

export const toxiproxyCommand = defineCommand({
  name: 'toxiproxy',
  about: "serve a Toxiproxy-compatible API: Toxiproxy's clients and tests drive recording proxies",
  usage: USAGE,
  options: OPTIONS,
  notes: [
    "It answers Toxiproxy 2.x's HTTP API (/version, /reset, /proxies, /populate, /proxies/NAME, /proxies/NAME/toxics[/TOXIC]) with its JSON and status codes, so its clients, toxiproxy-cli and Testcontainers' module work unchanged: point them at this address.",
    'Each proxy a client creates is a tcpscope recording proxy: its connections go to the capture, and toxics are applied by tcpscope (the `fault` events say what each did).',
    "The API has no authentication, as Toxiproxy's: it binds 127.0.0.1, a wider --listen needs --allow-remote, and requests from browsers are refused.",
    'Ctrl-C (SIGINT) or SIGTERM stops it and completes the capture.'
  ],
  examples: [
    { line: 'tcpscope toxiproxy --listen 8474 --capture faults.tcap', about: 'Toxiproxy\'s API on its usual port: existing Toxiproxy clients and tests drive recording proxies.' }
  ],
  run: runToxiproxy
})

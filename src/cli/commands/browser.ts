// `tcpscope browser`: a forward proxy on a loopback port and a browser started through it,
// in a fresh profile that trusts tcpscope's CA, recording everything the browser sends and
// receives. Runs until the browser is closed, or SIGINT/SIGTERM (which closes the browser).

import { BROWSERS, type BrowserName } from '../../shared/tls-args'
import { UserError } from '../../shared/errors'
import type { InterceptedBrowser } from '../../shared/intercept-types'
import { UsageError, parseWhole, type Parsed } from '../args'
import { loadRulesOption, RULES_OPTION } from './rules'
import { defineCommand, type OptionTable } from '../command-spec'
import { EXIT } from '../exit-codes'
import { CAPTURE_OPTIONS, jsonOption, QUIET_OPTION } from '../common-options'
import { describeFinished, printEvents, startEngineUntilStopped } from '../engine-run'
import { line, type Io } from '../output'

const BROWSER_USAGE = `tcpscope browser [${BROWSERS.join('|')}] [--forward-port N] [--url URL] [--rules FILE] [--script FILE] [--capture FILE [--force]] [--json] [--quiet]`

const OPTIONS = {
  'forward-port': { type: 'string', arg: 'N', about: 'the forward proxy listens on 127.0.0.1:N (default 0: a free port)' },
  url: { type: 'string', arg: 'URL', about: 'the page the browser opens first' },
  ...RULES_OPTION,
  ...CAPTURE_OPTIONS,
  ...jsonOption('{"type":"browser",...} (the browser, its pid, the proxy)'),
  ...QUIET_OPTION
} as const satisfies OptionTable

function browserName(positionals: string[]): BrowserName | undefined {
  if (positionals.length > 1) throw new UsageError(`browser: unexpected argument "${positionals[1]}"; usage: ${BROWSER_USAGE}`)
  const [name] = positionals
  if (name === undefined) return undefined
  if (!(BROWSERS as readonly string[]).includes(name)) throw new UsageError(`browser: unknown browser "${name}"; pick one of ${BROWSERS.join(', ')}`)
  return name as BrowserName
}

async function runBrowser({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  const asked = browserName(positionals)
  const port = parseWhole('browser', values['forward-port'], '--forward-port', 0, 65535) ?? 0
  const json = values.json === true
  const { run, stop } = await startEngineUntilStopped({ capture: values.capture, force: values.force })
  const { engine, shownCapture } = run
  let browser: InterceptedBrowser
  let closed!: (b: InterceptedBrowser) => void
  const whenClosed = new Promise<InterceptedBrowser>((resolve) => (closed = resolve))
  try {
    // Checked before the proxy starts: a missing browser is the likeliest mistake.
    const known = await engine['intercept.browsers']()
    const name = asked ?? known.find((b) => b.reason === undefined)?.name
    if (name === undefined) throw new UserError(`browser: no browser to start was found; install one of ${BROWSERS.join(', ')} (\`tcpscope browser NAME\` says what is missing)`)
    const reason = known.find((b) => b.name === name)?.reason
    if (reason !== undefined) throw new UserError(`browser: ${reason}`)
    const proxy = await engine['proxy.start']({ listen: `127.0.0.1:${port}`, forward: {} })
    // Before the browser starts: its first request may be one a rule answers.
    if (values.rules !== undefined) await loadRulesOption(engine, proxy.id, values.rules, io, json)
    if (values.script !== undefined) await engine['script.load']({ proxyId: proxy.id, path: values.script })
    browser = await engine['intercept.browser']({ browser: name, proxyId: proxy.id, url: values.url })
  } catch (err) {
    stop.dispose()
    await run.abandon()
    throw err
  }
  const printer = printEvents(engine, io, {
    json,
    quiet: values.quiet,
    watch: (e) => {
      if (e.type === 'browser-updated' && e.browser.browserId === browser.browserId && e.browser.state === 'closed') closed(e.browser)
    }
  })
  if (json) line(io.out, JSON.stringify({ type: 'browser', browser: browser.name, pid: browser.pid, proxy: browser.proxy, capture: shownCapture }))
  else line(io.out, `tcpscope: ${browser.name} (pid ${browser.pid}) goes through the forward proxy on ${browser.proxy}${shownCapture ? `, capturing to ${shownCapture}` : ''} (close it, or Ctrl-C, to stop)`)

  const ended = await Promise.race([whenClosed, stop.signal])
  stop.dispose()
  // JSON lines have the browser-updated event for it.
  if (!json) printer.say(typeof ended === 'string' ? `tcpscope: stopping (${ended}): closing ${browser.name}` : `tcpscope: ${browser.name} closed (${ended.exit ?? 'exited'})`)
  // The engine's close closes the browser (if still open) and removes its profile.
  const finished = await run.finish()
  await printer.drained()
  printer.unsubscribe()
  if (json) line(io.out, JSON.stringify({ type: 'summary', connections: finished.connections, capture: shownCapture, captureBytes: finished.size }))
  else line(io.out, describeFinished(finished))
  // A browser that failed on its own (the warning above says why) fails the command.
  return typeof ended !== 'string' && ended.exit !== 'exit code 0' ? EXIT.failed : EXIT.ok
}

export const browserCommand = defineCommand({
  name: 'browser',
  about: 'start a browser that goes through a recording forward proxy, trusting tcpscope\'s CA in a fresh profile',
  usage: BROWSER_USAGE,
  options: OPTIONS,
  notes: [
    'Without a name, the first installed of ' + BROWSERS.join(', ') + ' is started.',
    "Chromium, Chrome and Edge trust tcpscope's CA by its key (--ignore-certificate-errors-spki-list); Firefox through its profile's certificate database, made with NSS's certutil. Nothing is installed system-wide, and the profile is removed when the browser closes.",
    'Ends when the browser is closed; Ctrl-C (SIGINT) or SIGTERM closes the browser, completes the capture and prints a summary.'
  ],
  examples: [
    { line: 'tcpscope browser chromium --url https://example.com', about: 'A fresh Chromium profile through a recording forward proxy, trusting tcpscope\'s CA.' }
  ],
  run: runBrowser
})

// `tcpscope run [options] -- COMMAND [ARGS...]`: runs a program with every TCP connection it
// opens going through a recording SOCKS5 forward proxy on loopback, to its real destination,
// with no setting of the program's changed (core/intercept/run-program.ts, which the app's
// Intercept ▸ "A command…" shares: proxychains4 and a configuration written for it). The program's standard input, output and error stay its
// own: tcpscope's lines go to standard error (or --log FILE). Ctrl-C reaches the program (the
// terminal sends it to both; tcpscope waits for the program to end); SIGTERM and SIGHUP sent
// to tcpscope are passed on. tcpscope exits with the program's exit code (128 + the signal's
// number when a signal ended it).

import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, type WriteStream } from 'node:fs'
import { UserError } from '../../shared/errors'
import type { ChildExit } from '../../core/intercept/child-group'
import { PROXYCHAINS, type WrittenConfig } from '../../core/intercept/proxychains'
import { CommandNotFound, findProgram, noConnectionNote, planProgram, settled, signalStatus } from '../../core/intercept/run-program'
import { UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, FRAME_OPTION, QUIET_OPTION } from '../common-options'
import { describeFinished, hurriedExit, printEvents, startEngine } from '../engine-run'
import { checkStartFlags } from '../start-checks'
import { ExitError } from '../exit-codes'
import { line, type Io } from '../output'
import { loadRulesOption, RULES_OPTION } from './rules'
import { PROXY_TLS_OPTIONS } from '../tls-flags'

const RUN_USAGE = 'tcpscope run [--capture FILE [--force]] [--intercept-tls [--upstream-ca FILE] [--insecure]] [--rules FILE] [--script FILE] [--frame SPEC] [--log FILE] [--quiet] -- COMMAND [ARGS...]'

const OPTIONS = {
  'intercept-tls': { type: 'boolean', about: "terminate TLS to every destination with tcpscope's CA, so HTTPS and other TLS is read (the program must trust the CA: SSL_CERT_FILE, NODE_EXTRA_CA_CERTS and the others `tcpscope env` sets are set for it); off, TLS passes through, recorded as it is" },
  'upstream-ca': PROXY_TLS_OPTIONS['upstream-ca'],
  insecure: PROXY_TLS_OPTIONS.insecure,
  log: { type: 'string', arg: 'FILE', about: "tcpscope's own lines (connections, the summary) go to FILE instead of standard error" },
  ...RULES_OPTION,
  ...FRAME_OPTION,
  ...CAPTURE_OPTIONS,
  ...QUIET_OPTION
} as const satisfies OptionTable

async function runRun({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  const [command, ...args] = positionals
  if (command === undefined) throw new UsageError(`run: give the command to run after --, as in tcpscope run -- redis-cli ping; usage: ${RUN_USAGE}`)
  checkStartFlags('run', { frame: values.frame })
  const proxychains = await findProgram(command).catch((err: unknown) => {
    throw err instanceof CommandNotFound ? new ExitError(`run: ${err.message}`, 127) : err instanceof UserError ? new UserError(`run: ${err.message}`, err.code) : err
  })
  const logFile = values.log !== undefined ? await openLog(values.log) : undefined
  const own: Io = logFile !== undefined ? { out: logFile, err: logFile } : { out: io.err, err: io.err }
  const signals = new SignalGuard()
  let config: WrittenConfig | undefined
  try {
    const run = await startEngine({ capture: values.capture, force: values.force })
    try {
      const { engine, shownCapture } = run
      const intercept = values['intercept-tls'] === true
      const upstream = values['upstream-ca'] !== undefined || values.insecure === true ? { tlsUpstream: { ca: values['upstream-ca'], verify: values.insecure !== true } } : {}
      const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', forward: { intercept }, ...upstream, ...(values.frame !== undefined ? { frame: values.frame } : {}) })
      if (values.rules !== undefined) await loadRulesOption(engine, proxy.id, values.rules, own, false)
      if (values.script !== undefined) await engine['script.load']({ proxyId: proxy.id, path: values.script })
      const caPath = intercept ? (await engine['ca.info']()).certPath : undefined
      const plan = await planProgram({ proxychains, command, args, proxy: proxy.listen, caPath })
      config = plan.config
      signals.cleanUp = config.removeNow
      const printer = printEvents(engine, own, { json: false, quiet: values.quiet })
      // Stopped before the program started: it is not started.
      if (signals.stopped !== undefined) {
        await run.finish()
        printer.unsubscribe()
        return signalStatus(signals.stopped)
      }
      line(own.out, `tcpscope: running ${command} through the forward proxy on ${proxy.listen}${intercept ? ', TLS intercepted' : ''}${shownCapture ? `, capturing to ${shownCapture}` : ''}`)
      const exit = await runProgram(plan.argv, plan.env, signals)
      // Its connections' last bytes and closes recorded (cut short by a signal), before the capture completes.
      await settled(
        () => engine.capture.connections().some((c) => c.end === 'open'),
        () => signals.stopped !== undefined
      )
      if (engine.capture.connections().length === 0) printer.say(`tcpscope: ${noConnectionNote(command, exit)}`)
      const finished = await run.finish()
      await printer.drained()
      printer.unsubscribe()
      line(own.out, describeFinished(finished))
      return exit.code ?? (exit.signal !== null ? signalStatus(exit.signal) : 1)
    } catch (err) {
      await run.abandon()
      throw err
    }
  } finally {
    signals.dispose()
    await config?.remove()
    if (logFile !== undefined) await new Promise<void>((resolve) => logFile.end(resolve))
  }
}

/** `--log FILE` opened for appending, or a one-line error naming it (no stack trace from a stream's error event). */
async function openLog(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: 'a' })
  try {
    await once(stream, 'open')
  } catch (err) {
    throw new UserError(`run: cannot write --log ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  // A later write error (a full disk) loses tcpscope's own lines, not the program or the capture.
  stream.on('error', () => undefined)
  return stream
}

/**
 * SIGINT, SIGTERM and SIGHUP for the whole command. While the program runs, Ctrl-C reaches it
 * from the terminal (tcpscope waits for it to end) and SIGTERM and SIGHUP are passed on;
 * before it starts or once it ended, the first signal means finish now (the capture is
 * completed), and a second one exits at once, the proxychains configuration removed first.
 */
class SignalGuard {
  child: ChildProcess | undefined
  stopped: NodeJS.Signals | undefined
  /** Removes what must not stay behind, synchronously (an exit comes next). */
  cleanUp: () => void = () => undefined
  private readonly handler = (signal: NodeJS.Signals): void => {
    if (this.child !== undefined) {
      if (signal !== 'SIGINT') this.child.kill(signal)
      return
    }
    if (this.stopped === undefined) {
      this.stopped = signal
      return
    }
    this.cleanUp()
    hurriedExit(signalStatus(signal))
  }

  constructor() {
    for (const s of SIGNALS) process.on(s, this.handler)
  }

  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.handler)
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** Runs the program with the terminal's stdio; resolves with how it ended. */
function runProgram(argv: string[], env: NodeJS.ProcessEnv, signals: SignalGuard): Promise<ChildExit> {
  return new Promise<ChildExit>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env })
    signals.child = child
    child.once('error', (err) => {
      signals.child = undefined
      reject(new UserError(`run: cannot start ${PROXYCHAINS}: ${err.message}`))
    })
    child.once('exit', (code, signal) => {
      signals.child = undefined
      resolve({ code, signal })
    })
  })
}

export const runCommand = defineCommand({
  name: 'run',
  about: "run a program with every TCP connection it opens recorded at its real destination, no setting of the program's changed (through proxychains4)",
  usage: RUN_USAGE,
  options: OPTIONS,
  notes: [
    "The program runs under proxychains4 (LD_PRELOAD) with a configuration tcpscope writes and removes, against tcpscope's SOCKS5 forward proxy on 127.0.0.1; names the program resolves reach the proxy as names, so each connection is recorded with the name and port it asked for. HTTP_PROXY, HTTPS_PROXY and ALL_PROXY are set too, for programs that read them.",
    "Its standard input, output and error are its own; tcpscope's lines go to standard error (or --log FILE). tcpscope exits with the program's exit code; Ctrl-C reaches the program, and tcpscope completes the capture once it ends.",
    'A statically linked program (most Go binaries) ignores LD_PRELOAD: when the program exits 0 with no connection seen, tcpscope says so (one that failed or was killed first is said as such). UDP is not recorded.'
  ],
  examples: [
    { line: 'tcpscope run --capture redis.tcap -- redis-cli -h 127.0.0.1 ping', about: "Record redis-cli's connection as it goes to redis, and exit with redis-cli's code." },
    { line: 'tcpscope run --intercept-tls -- curl -s https://example.com', about: 'Read HTTPS too: curl trusts the CA through the variables tcpscope sets (CURL_CA_BUNDLE).' }
  ],
  run: runRun
})

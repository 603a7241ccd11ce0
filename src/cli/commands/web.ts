// `tcpscope web`: the UI in a browser, served with the engine over one WebSocket (web
// mode), for a machine where the desktop app does not run or for a headless server's
// traffic watched from a laptop. Stops cleanly on SIGINT/SIGTERM, like `proxy`.

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { UserError } from '../../shared/errors'
import { WebServer, isLoopback, webFileAccess } from '../../core/front/web-server'
import { parseUserEndpoint } from '../../core/net/user-endpoint'
import { DEFAULT_MAX_UPLOAD_BYTES } from '../../core/files/uploads'
import { UsageError, parseWhole, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, DISK_SLOW_OPTION, whenDiskIsSlowOf } from '../common-options'
import { describeFinished, startEngineUntilStopped } from '../engine-run'
import { line, type Io } from '../output'
import { startToxiproxyApi } from './toxiproxy'
import { sayOutcome } from '../setup-outcome'
import type { ToxiproxyApi } from '../../core/toxiproxy/toxiproxy-api'

const WEB_USAGE = 'tcpscope web [--listen [HOST:]PORT] [--restore] [--capture FILE [--force]] [--when-disk-is-slow pause|drop] [--open FILE ...] [--allow-files] [--allow-commands] [--max-upload-mib N] [--ui DIR] [--toxiproxy-api [HOST:]PORT [--toxiproxy-allow-remote]] [--json]'

const MIB = 1024 * 1024
const FILES_HINT = 'start tcpscope web with --allow-files to allow it'
const COMMANDS_HINT = 'start tcpscope web with --allow-commands to allow it'

const OPTIONS = {
  listen: {
    type: 'string',
    arg: '[HOST:]PORT',
    about: 'where to serve the UI (default 127.0.0.1:0, a free port on this machine only); 0.0.0.0 or a LAN address lets other machines in: see the note below'
  },
  restore: { type: 'boolean', about: 'start what ran when tcpscope (the app or web mode) last ran: its proxies, with their breakpoints and toxics, servers and clients' },
  ...CAPTURE_OPTIONS,
  ...DISK_SLOW_OPTION,
  open: { type: 'string', multiple: true, arg: 'FILE', about: 'open a capture file read-only beside the live one; the page shows it (repeatable: the last one given is in front)' },
  'allow-files': { type: 'boolean', about: "let the page send files' contents (payloads of kind file read this machine's files)" },
  'allow-commands': { type: 'boolean', about: 'let the page run programs on this machine, as you (Intercept ▸ "A command…", through proxychains4)' },
  'max-upload-mib': {
    type: 'string',
    arg: 'N',
    about: `the largest capture file the page may upload (dropped on the window, or chosen in Open), in MiB (default ${DEFAULT_MAX_UPLOAD_BYTES / MIB}; 0 turns uploads off)`
  },
  ui: { type: 'string', arg: 'DIR', about: 'serve the built UI from DIR (default: out/renderer next to this CLI)' },
  'toxiproxy-api': { type: 'string', arg: '[HOST:]PORT', about: 'also serve the Toxiproxy-compatible API there (e.g. 8474): proxies its clients make appear in the page live (see `tcpscope toxiproxy --help`)' },
  'toxiproxy-allow-remote': { type: 'boolean', about: 'allow a --toxiproxy-api beyond loopback: that API has no authentication' },
  json: { type: 'boolean', about: 'JSON lines: the first is {"type":"listening","url":...}' }
} as const satisfies OptionTable

/** The renderer built next to this CLI bundle (out/cli/index.cjs -> out/renderer). */
function defaultUiDir(): string {
  return resolve(__dirname, '..', 'renderer')
}

async function runWeb({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`web: unexpected argument "${positionals[0]}"; usage: ${WEB_USAGE}`)
  const listen = parseUserEndpoint(values.listen ?? '127.0.0.1:0', '--listen', '127.0.0.1')
  if (listen.kind === 'unix') throw new UsageError('web: --listen takes [HOST:]PORT; a browser cannot open a socket path')
  const uiDir = values.ui ?? defaultUiDir()
  if (!existsSync(join(uiDir, 'index.html'))) {
    throw new UserError(`web: the UI is not built (no ${join(uiDir, 'index.html')}); run \`npm run build\` first, or give --ui DIR`)
  }
  const allowFiles = values['allow-files'] === true
  const allowCommands = values['allow-commands'] === true
  const maxUploadMib = parseWhole('web', values['max-upload-mib'], '--max-upload-mib', 0, 1024 * 1024)
  const { run, stop } = await startEngineUntilStopped({ capture: values.capture, force: values.force, whenDiskIsSlow: whenDiskIsSlowOf('web', values['when-disk-is-slow']), uploads: { maxBytes: maxUploadMib === undefined ? undefined : maxUploadMib * MIB }, keepLastSetup: true, setupFilePayloads: { allowed: allowFiles, hint: FILES_HINT } })
  const { engine } = run
  let server: WebServer
  let toxiproxy: ToxiproxyApi | undefined
  try {
    // The engine resolves a relative name in its save folder; on the command line it means the working directory.
    for (const path of values.open ?? []) await engine['capture.open']({ path: resolve(path) })
    if (values.restore === true) {
      if ((await engine['setup.last']()) === null) line(io.err, 'tcpscope: --restore: nothing to restore: nothing was running when tcpscope last ran')
      else sayOutcome(await engine['setup.restore'](), io)
    }
    server = await WebServer.start(engine, {
      listen,
      uiDir,
      policy: { files: webFileAccess({ files: allowFiles, commands: allowCommands }), filesHint: FILES_HINT, programsHint: COMMANDS_HINT },
      log: (message, err) => line(io.err, err === undefined ? message : `${message} ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    })
    const api = values['toxiproxy-api']
    if (api !== undefined) {
      toxiproxy = await startToxiproxyApi(engine, api, { allowed: values['toxiproxy-allow-remote'] === true, flag: '--toxiproxy-allow-remote' }, io).catch(async (err: unknown) => {
        await server.stop()
        throw err
      })
    }
  } catch (err) {
    stop.dispose()
    await run.abandon()
    throw err
  }
  if (!isLoopback(listen)) {
    line(io.err, `tcpscope: warning: listening on ${server.listening}, beyond this machine: anyone who has the URL controls the engine (it connects, listens and sends where the page asks${allowCommands ? ', and runs programs here: --allow-commands' : ''})`)
  }
  const toxiproxyUrl = toxiproxy && `http://${toxiproxy.listening}`
  if (values.json) line(io.out, JSON.stringify({ type: 'listening', url: server.url, listen: server.listening, capture: run.shownCapture, ...(toxiproxyUrl ? { toxiproxyApi: toxiproxyUrl } : {}) }))
  else line(io.out, `tcpscope: web mode at ${server.url}${toxiproxyUrl ? `, Toxiproxy API at ${toxiproxyUrl}` : ''} (Ctrl-C stops)`)

  const signal = await stop.signal
  await toxiproxy?.stop()
  await server.stop()
  // The page asked before it closed; the terminal gets told where the capture went.
  line(io.err, describeFinished(await run.finish()))
  if (values.json) line(io.out, JSON.stringify({ type: 'stopped', signal }))
  else line(io.out, `tcpscope: stopped (${signal})`)
  return 0
}

export const webCommand = defineCommand({
  name: 'web',
  about: 'the UI in a browser: the engine served over a WebSocket, behind a token',
  usage: WEB_USAGE,
  options: OPTIONS,
  notes: [
    "Prints one URL with a random token. The page keeps the token for its tab (a reload keeps working), takes it out of the address bar, and sends it only on its own WebSocket; no cookie carries it. The engine's WebSocket is refused without it, from another origin, or under a host name this server does not listen as.",
    "It binds 127.0.0.1 unless --listen says otherwise. With --listen 0.0.0.0 (or ::) it answers to every address of this machine, with a LAN address to that address: anyone on the network who gets the URL (from a screen, a shell history, a proxy log) controls the engine, which connects, listens and sends where the page asks, and traffic is plain HTTP that anyone on the path can read, token included. Use it on a network you trust, or reach 127.0.0.1 through an SSH tunnel instead.",
    'The page runs no program unless --allow-commands is given: Intercept ▸ "A command…" then runs any program it is asked to on this machine, as the user who started tcpscope web (--allow-files does not allow it).',
    'Ctrl-C (SIGINT) or SIGTERM stops it and completes the capture.',
    "It keeps what runs (proxies with their breakpoints and toxics, servers, clients) as the last setup in tcpscope's data folder, as the app does; --restore starts it again, and the page offers it when started without. What fails to start is one line each on stderr; the rest starts."
  ],
  examples: [
    { line: 'tcpscope web', about: 'The UI in a browser, on 127.0.0.1 behind a token; the line printed has the address.' },
    { line: 'tcpscope web --open capture.tcap', about: 'The same, with a capture file open.' }
  ],
  run: runWeb
})

// `tcpscope web`: the UI in a browser, served with the engine over one WebSocket (web
// mode), for a machine where the desktop app does not run or for a headless server's
// traffic watched from a laptop. Stops cleanly on SIGINT/SIGTERM, like `proxy`.

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { UserError } from '../../shared/errors'
import { WebServer, isLoopback } from '../../core/front/web-server'
import { parseUserEndpoint } from '../../core/net/user-endpoint'
import { parseCommandArgs, UsageError } from '../args'
import { startEngine, untilStopSignal } from '../engine-run'
import { line, type Io } from '../output'

export const WEB_USAGE =
  'tcpscope web [--listen [HOST:]PORT] [--capture FILE [--force]] [--open FILE ...] [--allow-files] [--ui DIR] [--json]'

/** The renderer built next to this CLI bundle (out/cli/index.cjs -> out/renderer). */
function defaultUiDir(): string {
  return resolve(__dirname, '..', 'renderer')
}

export async function webCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('web', argv, {
    listen: { type: 'string' },
    capture: { type: 'string' },
    force: { type: 'boolean' },
    open: { type: 'string', multiple: true },
    'allow-files': { type: 'boolean' },
    ui: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (positionals.length > 0) throw new UsageError(`web: unexpected argument "${positionals[0]}"; usage: ${WEB_USAGE}`)
  const listen = parseUserEndpoint(values.listen ?? '127.0.0.1:0', '--listen', '127.0.0.1')
  if (listen.kind === 'unix') throw new UsageError('web: --listen takes [HOST:]PORT; a browser cannot open a socket path')
  const uiDir = values.ui ?? defaultUiDir()
  if (!existsSync(join(uiDir, 'index.html'))) {
    throw new UserError(`web: the UI is not built (no ${join(uiDir, 'index.html')}); run \`npm run build\` first, or give --ui DIR`)
  }
  const stop = untilStopSignal()
  const run = await startEngine({ capture: values.capture, force: values.force }).catch((err: unknown) => {
    stop.dispose()
    throw err
  })
  const { engine } = run
  let server: WebServer
  try {
    for (const path of values.open ?? []) await engine['capture.open']({ path })
    server = await WebServer.start(engine, {
      listen,
      uiDir,
      policy: { files: values['allow-files'] === true, filesHint: 'start tcpscope web with --allow-files to allow it' },
      log: (message, err) => line(io.err, err === undefined ? message : `${message} ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    })
  } catch (err) {
    stop.dispose()
    await run.finish()
    throw err
  }
  if (!isLoopback(listen)) {
    line(io.err, `tcpscope: warning: listening on ${server.listening}, beyond this machine: anyone who has the URL controls the engine (it connects, listens and sends where the page asks)`)
  }
  if (values.json) line(io.out, JSON.stringify({ type: 'listening', url: server.url, listen: server.listening, capture: run.shownCapture }))
  else line(io.out, `tcpscope: web mode at ${server.url} (Ctrl-C stops)`)

  const signal = await stop.signal
  await server.stop()
  await run.finish()
  if (values.json) line(io.out, JSON.stringify({ type: 'stopped', signal }))
  else line(io.out, `tcpscope: stopped (${signal})`)
  return 0
}

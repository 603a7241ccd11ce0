// Web mode in tests: `tcpscope web` as a real child process, and engine clients over a real
// WebSocket (the ws package), speaking the same envelope as the page does.
import { once } from 'node:events'
import WebSocket from 'ws'
import { EngineClient } from '../../src/shared/engine-client'
import type { FramePort } from '../../src/shared/transport'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI, CliProcess } from './cli'
import { WS_PATH, WS_PROTOCOL, webSocketProtocols } from '../../src/shared/web-mode'

export interface WebMode {
  cli: CliProcess
  /** The URL tcpscope printed, with its token. */
  url: string
  origin: string
  token: string
  /** A fresh engine client over its own WebSocket. */
  client(): Promise<EngineClient>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** A WebSocket to web mode, offering the token as the page does (a subprotocol); `headers` override the page-like defaults. */
export function openWebSocket(origin: string, token: string | undefined, headers: Record<string, string> = {}): WebSocket {
  return new WebSocket(`${origin.replace(/^http/, 'ws')}${WS_PATH}`, token === undefined ? [WS_PROTOCOL] : webSocketProtocols(token), { headers: { Origin: origin, ...headers } })
}

/** A WebSocket to web mode as a frame port. */
export async function webSocketPort(origin: string, token: string | undefined, headers: Record<string, string> = {}): Promise<{ port: FramePort; ws: WebSocket }> {
  const ws = openWebSocket(origin, token, headers)
  await once(ws, 'open')
  const port: FramePort = {
    send: (frame) => ws.send(frame),
    onFrame: (listener) => {
      const on = (data: Buffer): void => listener(new Uint8Array(data.buffer, data.byteOffset, data.length))
      ws.on('message', on)
      return () => ws.off('message', on)
    },
    onClose: (listener) => {
      ws.on('close', (_code, reason) => listener(reason.toString() || 'closed'))
      return () => {}
    }
  }
  return { port, ws }
}

/**
 * `tcpscope web ARGS`. Web mode keeps its last setup in its data folder and the page offers
 * it: unless a test chose its own folder (TCPSCOPE_DATA_DIR, or `dataDir`), each instance
 * gets a fresh one, so tests running side by side never see each other's.
 */
export async function startWeb(args: string[] = [], opts: { dataDir?: string } = {}): Promise<WebMode> {
  const chosen = process.env.TCPSCOPE_DATA_DIR !== process.env.TCPSCOPE_TESTS_SHARED_DATA_DIR ? process.env.TCPSCOPE_DATA_DIR : undefined
  const dataDir = opts.dataDir ?? chosen ?? mkdtempSync(join(tmpdir(), 'tcpscope-web-data-'))
  const cli = new CliProcess(['web', '--json', ...args], spawn(process.execPath, [CLI, 'web', '--json', ...args], { env: { ...process.env, TCPSCOPE_DATA_DIR: dataDir } }))
  const first = JSON.parse(await cli.waitLine(() => true)) as { url: string }
  const url = new URL(first.url)
  const token = url.searchParams.get('token')!
  const sockets: WebSocket[] = []
  return {
    cli,
    url: first.url,
    origin: url.origin,
    token,
    client: async () => {
      const { port, ws } = await webSocketPort(url.origin, token)
      sockets.push(ws)
      return new EngineClient(port)
    },
    stop: async (signal = 'SIGINT') => {
      for (const ws of sockets) ws.close()
      return cli.stop(signal)
    }
  }
}

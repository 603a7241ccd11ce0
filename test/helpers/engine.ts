// An engine on a fresh temp capture, closed and cleaned up by the returned dispose().
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Engine, type EngineOptions } from '../../src/core/engine'
import type { CaptureOptions } from '../../src/core/capture/write/live-capture'
import type { EngineEvent } from '../../src/shared/events'
import type { Socket } from 'node:net'
import { connectTo, portOf, startServer, tempDir } from './net'

export interface TestEngine {
  engine: Engine
  dir: string
  capturePath: string
  events: EngineEvent[]
  dispose: () => Promise<void>
}

export async function testEngine(opts: CaptureOptions & Pick<EngineOptions, 'uploads' | 'dataDir' | 'keepLastSetup' | 'setupFilePayloads' | 'proxyWorkerFile'> = {}): Promise<TestEngine> {
  const { dir, cleanup } = tempDir()
  const capturePath = join(dir, 'test.tcap')
  // Scripts run in the built worker: tests run the engine from source, with no bundle beside it.
  const scriptWorkerFile = resolve(__dirname, '../../out/cli/script-worker.cjs')
  const engine = await Engine.create({ capturePath, ...(existsSync(scriptWorkerFile) ? { scriptWorkerFile } : {}), ...opts })
  const events: EngineEvent[] = []
  engine.subscribe((e) => events.push(e))
  return {
    engine,
    dir,
    capturePath,
    events,
    dispose: async () => {
      await engine.close()
      cleanup()
    }
  }
}

// portOf lives with the socket helpers, so a file that needs only it does not load the engine.
export { portOf } from './net'

export interface ProxiedPair {
  /** The test's client, connected to the proxy. */
  client: Socket
  /** The server's side of that connection. */
  serverSide: Socket
  proxyListen: string
}

/**
 * A real server behind a proxy of `engine`, and one client connected through it. The
 * server is closed by the returned `close` (push it onto the test's cleanups).
 */
export async function proxiedPair(engine: Engine): Promise<ProxiedPair & { close: () => Promise<void> }> {
  let accepted!: (s: Socket) => void
  const serverSide = new Promise<Socket>((r) => (accepted = r))
  const server = await startServer(accepted)
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const client = await connectTo(portOf(proxy.listen))
  return { client, serverSide: await serverSide, proxyListen: proxy.listen, close: server.close }
}

// A keep-alive Node HTTP server behind a test engine's proxy (port 0 each): the engine, the
// proxy's port, and a close for both, for tests that record HTTP traffic of their own making.
import { once } from 'node:events'
import { createServer, type RequestListener } from 'node:http'
import { portOf, testEngine, type TestEngine } from './engine'

export async function behindProxy(answer: RequestListener): Promise<{ t: TestEngine; port: number; close: () => Promise<void> }> {
  const server = createServer(answer)
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const closeServer = (): Promise<void> => new Promise<void>((r) => server.close(() => r()))
  const t = await testEngine().catch(async (err: unknown) => {
    await closeServer()
    throw err
  })
  const close = async (): Promise<void> => {
    await t.dispose()
    await closeServer()
  }
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` }).catch(async (err: unknown) => {
    await close()
    throw err
  })
  return { t, port: portOf(proxy.listen), close }
}

// TCP_NODELAY on both legs by default, so the proxy adds no Nagle delay to small writes.
// Checked on the real sockets: the kernel's own answer to getsockopt(TCP_NODELAY).
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { connectTo, startServer, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { needProgram } from '../../helpers/peers'
import { canReadSockopts, tcpNoDelay } from '../../helpers/sockopt'

let t: TestEngine
afterEach(async () => t?.dispose())

/** TCP_NODELAY of the proxy's two sockets of one live connection: [client leg, upstream leg]. */
async function proxyLegsNoDelay(noDelay: boolean | undefined): Promise<{ legs: boolean[]; peers: boolean[] }> {
  let accepted!: (s: Socket) => void
  const serverSide = new Promise<Socket>((r) => (accepted = r))
  const server = await startServer(accepted)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}`, noDelay })
  const client = await connectTo(portOf(proxy.listen))
  const s = await serverSide
  client.write('x')
  await once(s, 'data')
  const conn = await waitFor(() => t.engine.capture.connections()[0]?.upstream?.local, 'the upstream leg')
  const upstreamPort = (conn as { port: number }).port
  const legs = tcpNoDelay([
    [portOf(proxy.listen), client.localPort!],
    [upstreamPort, server.port]
  ])
  // The test's own plain sockets, as a control: Node leaves Nagle on unless asked.
  const peers = tcpNoDelay([
    [client.localPort!, portOf(proxy.listen)],
    [server.port, upstreamPort]
  ])
  client.destroy()
  await server.close()
  return { legs, peers }
}

describe('proxy: TCP_NODELAY', () => {
  it('sets TCP_NODELAY on both legs by default', async (ctx) => {
    needProgram(ctx, 'python3 with os.pidfd_open on Linux (to read socket options)', canReadSockopts())
    t = await testEngine()
    const { legs, peers } = await proxyLegsNoDelay(undefined)
    expect(legs).toEqual([true, true])
    expect(peers).toEqual([false, false])
  })

  it('leaves Nagle on both legs when started with noDelay: false', async (ctx) => {
    needProgram(ctx, 'python3 with os.pidfd_open on Linux (to read socket options)', canReadSockopts())
    t = await testEngine()
    const { legs } = await proxyLegsNoDelay(false)
    expect(legs).toEqual([false, false])
  })
})

// A connection handed sockets that already closed (a TLS leg or a tunnel whose client left
// during the hand-over) still ends: its close is recorded and its proxy told, so a proxy
// stopping with its connections does not wait for a 'close' that was emitted before.
import { createServer, connect, type Socket } from 'node:net'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { afterEach, expect, it } from 'vitest'
import { LiveCapture } from '../../../src/core/capture/write/live-capture'
import { Target } from '../../../src/core/net/target/connect-target'
import { ProxyConnection } from '../../../src/core/proxy/proxy-connection'
import { tunnelContext } from '../../../src/core/proxy/proxy-context'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const accepted = once(server, 'connection')
  const a = connect(port, '127.0.0.1')
  const [b] = (await accepted) as [Socket]
  await once(a, 'connect')
  server.close()
  return [a, b]
}

it('ends a connection whose client socket closed before the hand-over', async () => {
  const capture = await LiveCapture.create(join(mkdtempSync(join(tmpdir(), 'tcpscope-handover-')), 'c.tcap'))
  cleanups.push(() => capture.close())
  const [client, clientPeer] = await socketPair()
  const [up, upPeer] = await socketPair()
  cleanups.push(() => {
    clientPeer.destroy()
    upPeer.destroy()
  })
  client.destroy()
  await once(client, 'close')
  const rec = capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: '127.0.0.1:1' })
  const done = new Promise<void>((resolve) => {
    const target = new Target({ target: { kind: 'tcp', host: '127.0.0.1', port: 1 } })
    new ProxyConnection(client, rec, tunnelContext(target, true, undefined, () => resolve()), false, up)
    up.destroy()
  })
  await done
  expect(capture.connections().find((c) => c.id === rec.id)?.end).toBe('closed')
})

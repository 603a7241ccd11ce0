// Material for the recorded server's tests: a real curl exchange with Node's http server,
// captured through a proxy into a capture file.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Engine } from '../../../src/core/engine'
import { portOf } from '../../helpers/engine'
import { waitFor } from '../../helpers/net'
import { curl } from '../decode/decode-peers'

export const RECORDED_BODY = JSON.stringify({ recorded: true, items: [1, 2, 3] })

/** curl GET through a new proxy of `engine` to a Node http server that is stopped after; the captured connection's id. */
export async function captureCurlExchange(engine: Engine): Promise<number> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(RECORDED_BODY)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as AddressInfo).port}` })
    const body = await curl([`http://127.0.0.1:${portOf(proxy.listen)}/items`])
    if (body !== RECORDED_BODY) throw new Error(`curl through the proxy got ${body}`)
    const conn = await waitFor(() => engine.capture.connections().find((c) => c.ownerId === proxy.id && c.end !== 'open'), 'the curl connection to close')
    await engine['proxy.stop']({ proxyId: proxy.id })
    return conn.id
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

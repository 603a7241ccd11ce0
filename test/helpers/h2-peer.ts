// Real HTTP/2 peers for tests: Node's own http2 server over plain TCP (h2c, prior knowledge)
// and a client that multiplexes several requests on one connection, as curl --parallel does.
import { once } from 'node:events'
import { connect, createServer, constants, type ClientHttp2Session, type Http2Server } from 'node:http2'

/** An h2c origin on 127.0.0.1, port 0: JSON for every path, with the path and method in it. */
export async function startH2Origin(cleanups: Array<() => unknown>): Promise<{ server: Http2Server; port: number }> {
  const server = createServer()
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      const body = JSON.stringify({ path: headers[constants.HTTP2_HEADER_PATH], method: headers[constants.HTTP2_HEADER_METHOD], got: Buffer.concat(chunks).length })
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/json', 'x-served-by': 'node-http2' })
      stream.end(body)
    })
    stream.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  cleanups.push(() => new Promise((r) => server.close(r)))
  return { server, port }
}

/** Requests on one HTTP/2 connection to `port`, all in flight at once (streams 1, 3, 5, ...); a body for a POST. Resolves once every response has ended and the session is closed. */
export async function h2Requests(port: number, requests: Array<{ path: string; method?: string; body?: string }>): Promise<number[]> {
  const session: ClientHttp2Session = connect(`http://127.0.0.1:${port}`)
  session.on('error', () => {})
  const statuses = await Promise.all(
    requests.map(
      (r) =>
        new Promise<number>((resolve, reject) => {
          const req = session.request({ [constants.HTTP2_HEADER_METHOD]: r.method ?? 'GET', [constants.HTTP2_HEADER_PATH]: r.path, accept: 'application/json' })
          let status = 0
          req.on('response', (h) => (status = Number(h[constants.HTTP2_HEADER_STATUS])))
          req.on('error', reject)
          req.resume()
          req.on('end', () => resolve(status))
          req.end(r.body)
        })
    )
  )
  await new Promise<void>((r) => session.close(r))
  return statuses
}

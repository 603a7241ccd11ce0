// A capture of curl (HTTP) and redis-cli (RESP) traffic through the engine's proxies, both
// against real servers on loopback, saved to a file: the material whole-capture replay is
// tested on (core and CLI). The HTTP server's answer can be changed between capture and replay.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { testEngine, type TestEngine } from '../../helpers/engine'
import type { Redis } from '../../helpers/redis'
import { waitFor } from '../../helpers/net'
import { curl } from '../export/export-traffic'
import { captureRedisSession, redisCli, startReplayRedis } from './redis-capture'

export interface HttpPeer {
  port: number
  /** What it answers now: this body, and this Date header. */
  body: string
  date: string
  close: () => Promise<void>
}

export async function httpPeer(): Promise<HttpPeer> {
  const p: HttpPeer = { port: 0, body: 'ok', date: 'Mon, 23 Nov 2026 10:00:00 GMT', close: async () => {} }
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('Date', p.date)
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end(p.body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  p.port = (server.address() as { port: number }).port
  p.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())))
  return p
}

export interface RecordedTraffic {
  t: TestEngine
  http: HttpPeer
  redis: Redis
  key: string
  /** The capture file, closed. */
  file: string
  httpIds: number[]
  redisId: number
  dispose: () => Promise<void>
}

/** Two curl requests (own connections) and one redis-cli session, captured and saved. */
export async function recordTraffic(body = 'ok'): Promise<RecordedTraffic> {
  const t = await testEngine()
  const http = await httpPeer()
  http.body = body
  const redis = await startReplayRedis(t.dir)
  const key = `tcpscope-capture-replay-${process.pid}-${Date.now()}`
  await redisCli(redis.port, [`SET ${key} one`])
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${http.port}` })
  await curl([`http://${proxy.listen}/a`])
  await curl([`http://${proxy.listen}/b`])
  const httpConns = await waitFor(() => {
    const c = t.engine.capture.connections().filter((x) => x.target === `127.0.0.1:${http.port}` && x.end !== 'open')
    return c.length === 2 && c
  }, 'the curl connections to close')
  await t.engine['proxy.stop']({ proxyId: proxy.id })
  const redisId = await captureRedisSession(t.engine, redis.port, [`GET ${key}`, 'PING'])
  await t.engine.close()
  return {
    t,
    http,
    redis,
    key,
    file: t.capturePath,
    httpIds: httpConns.map((c) => c.id),
    redisId,
    dispose: async () => {
      redis.stop()
      await http.close()
      await t.dispose()
    }
  }
}

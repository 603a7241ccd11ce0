// gRPC-Web over HTTP/1 through the proxy's rules, with curl as the client and a Node HTTP
// server answering as a gRPC-Web server does (a chunked body: the reply message, then the
// trailer frame): a request's field set by number reaches the server, the reply's text
// replaced reaches curl with every length refitted and the trailer frame as it was, in
// binary mode and in text mode (base64).
import { execFile } from 'node:child_process'
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import protobuf from 'protobufjs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { hasProgram, needProgram } from '../../helpers/peers'
import { GrpcFramer } from '../../../src/core/protocols/grpc/grpc-framing'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')

const root = protobuf.parse('syntax = "proto3"; message HelloRequest { string name = 1; } message HelloReply { string message = 1; }').root
const Request = root.lookupType('HelloRequest')
const Reply = root.lookupType('HelloReply')

const frame = (payload: Uint8Array, flags = 0): Buffer => {
  const prefix = Buffer.alloc(5)
  prefix[0] = flags
  prefix.writeUInt32BE(payload.length, 1)
  return Buffer.concat([prefix, payload])
}
const TRAILER = frame(Buffer.from('grpc-status:0\r\ngrpc-message:OK\r\n'), 0x80)

function framesOf(body: Uint8Array): Buffer[] {
  const framer = new GrpcFramer()
  const frames = framer.push(body)
  framer.end(true)
  expect(framer.problem).toBeUndefined()
  return frames.map((f) => frame(f.payload!, f.flags))
}
const payload = (f: Buffer): Buffer => f.subarray(5)

let t: TestEngine
let server: Server
let dir: string
let names: string[]
let proxyId: string
let proxyPort: number

beforeEach(async () => {
  t = await testEngine()
  names = []
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-grpc-web-'))
  server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const text = req.headers['content-type'] === 'application/grpc-web-text'
      const body = text ? Buffer.from(Buffer.concat(parts).toString('latin1'), 'base64') : Buffer.concat(parts)
      const name = (Request.decode(payload(framesOf(body)[0])) as unknown as { name: string }).name
      names.push(name)
      res.writeHead(200, { 'content-type': req.headers['content-type'] })
      const reply = frame(Reply.encode({ message: `hello ${name}` }).finish())
      // Each piece its own base64 in text mode, as servers flush them.
      res.write(text ? reply.toString('base64') : reply)
      res.end(text ? TRAILER.toString('base64') : TRAILER)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
})
afterEach(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  rmSync(dir, { recursive: true, force: true })
  await t.dispose()
})

/** curl POSTs `body` as `type` to the greeter's path; what it got. */
async function post(type: string, body: Buffer): Promise<Buffer> {
  const input = join(dir, 'request.bin')
  const output = join(dir, 'reply.bin')
  writeFileSync(input, body)
  await run('curl', ['-sS', '--max-time', '10', '-H', `content-type: ${type}`, '-H', 'x-grpc-web: 1', '--data-binary', `@${input}`, '-o', output, `http://127.0.0.1:${proxyPort}/demo.Greeter/SayHello`])
  return readFileSync(output)
}

describe('rules on gRPC-Web over HTTP/1', () => {
  it.for(['application/grpc-web+proto', 'application/grpc-web-text'])('set a request field and replace reply text in %s', async (type, ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await t.engine['rules.set']({
      proxyId,
      rules: [{ match: { grpc: { method: 'SayHello' } }, steps: [{ rewrite: { request: { grpc: { field: { '1': 'annabel lee' } } }, response: { replace: [{ find: 'hello', with: 'good evening' }] } } }] }]
    })
    const text = type === 'application/grpc-web-text'
    const request = frame(Request.encode({ name: 'ann' }).finish())
    const got = await post(type, text ? Buffer.from(request.toString('base64')) : request)
    expect(names).toEqual(['annabel lee'])
    const frames = framesOf(text ? Buffer.from(got.toString('latin1'), 'base64') : got)
    expect(frames).toHaveLength(2)
    expect(Reply.toObject(Reply.decode(payload(frames[0])))).toEqual({ message: 'good evening annabel lee' })
    expect(frames[1].equals(TRAILER)).toBe(true)
  })
})

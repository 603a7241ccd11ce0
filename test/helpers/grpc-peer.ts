// A real gRPC peer for UI tests: an @grpc/grpc-js server of a small search service, loaded
// from a .proto written to a temp dir (its path is what the UI loads), and a client that
// makes a unary call, a server-streaming one and a failing one through a given address.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'

export const SEARCH_PROTO = `
syntax = "proto3";
package demo;
message Query { string text = 1; int32 page = 2; }
message Hit { string title = 1; sint64 score = 2; repeated int32 ids = 3; Meta meta = 4; }
message Meta { string source = 1; bool cached = 2; }
service Search {
  rpc Get (Query) returns (Hit);
  rpc Watch (Query) returns (stream Hit);
}
`

type Client = grpc.Client & {
  Get: (q: object, cb: (err: grpc.ServiceError | null, hit?: object) => void) => void
  Watch: (q: object) => grpc.ClientReadableStream<object>
}

export interface GrpcSearch {
  port: number
  protoPath: string
  /** Through `target`: Get {text: 'cats'}, Watch {text: 'dogs'} (three hits), Get {text: 'fail'} (NOT_FOUND); what each gave. */
  calls(target: string): Promise<{ get: object; hits: number; fail: number | undefined }>
}

export async function startGrpcSearch(cleanups: Array<() => unknown>): Promise<GrpcSearch> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-grpc-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const protoPath = join(dir, 'search.proto')
  writeFileSync(protoPath, SEARCH_PROTO)
  const def = await protoLoader.load(protoPath, { keepCase: true, longs: String })
  const ctor = (grpc.loadPackageDefinition(def).demo as grpc.GrpcObject).Search as grpc.ServiceClientConstructor
  const server = new grpc.Server()
  server.addService(ctor.service, {
    Get: (call: grpc.ServerUnaryCall<{ text: string }, object>, cb: grpc.sendUnaryData<object>) => {
      if (call.request.text === 'fail') return cb({ code: grpc.status.NOT_FOUND, details: 'nothing for "fail"' })
      cb(null, { title: `got ${call.request.text}`, score: -42, ids: [1, 2, 3], meta: { source: 'index', cached: true } })
    },
    Watch: (call: grpc.ServerWritableStream<{ text: string }, object>) => {
      for (let i = 0; i < 3; i++) call.write({ title: `${call.request.text} #${i}`, score: i })
      call.end()
    }
  })
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  cleanups.push(() => new Promise<void>((r) => server.tryShutdown(() => r())))

  async function calls(target: string): Promise<{ get: object; hits: number; fail: number | undefined }> {
    const client = new ctor(target, grpc.credentials.createInsecure()) as unknown as Client
    try {
      const get = (q: object): Promise<object | grpc.ServiceError> => new Promise((resolve) => client.Get(q, (err, hit) => resolve(err ?? hit!)))
      const got = await get({ text: 'cats', page: 2 })
      let hits = 0
      for await (const _ of client.Watch({ text: 'dogs' })) hits++
      const failed = (await get({ text: 'fail' })) as grpc.ServiceError
      return { get: got, hits, fail: failed.code }
    } finally {
      client.close()
    }
  }
  return { port, protoPath, calls }
}

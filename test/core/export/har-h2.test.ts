// HTTP/2 exchanges in the HAR, from hand-made exchanges in the decoder's shape: HTTP/2.0 as
// browsers write it, the URL from :scheme, :authority and :path, the pseudo-headers listed
// where they were sent (as Chrome's HAR does), no HTTP/1 head (headersSize -1), bodies read
// from their DATA payloads, and a gRPC call's bodies as base64 with their content type.
import { describe, expect, it } from 'vitest'
import { har as validateHar } from 'har-validator'
import { writeHar } from '../../../src/core/export/har'
import { BatchedSink } from '../../../src/core/export/export-sink'
import { ExportProgress } from '../../../src/core/export/export-progress'
import { grpcFrame, h2Capture } from '../../helpers/h2-exchange'

interface Entry {
  request: { method: string; url: string; httpVersion: string; headers: Array<{ name: string; value: string }>; queryString: unknown[]; headersSize: number; bodySize: number; postData?: { mimeType: string; text: string; encoding?: string } }
  response: { status: number; httpVersion: string; headers: Array<{ name: string; value: string }>; headersSize: number; bodySize: number; content: { mimeType: string; size: number; text?: string; encoding?: string } }
}

async function harOf(capture: ReturnType<typeof h2Capture>): Promise<{ log: { entries: Entry[] } }> {
  const pieces: Uint8Array[] = []
  const sink = new BatchedSink({ write: async (b) => void pieces.push(b) })
  await writeHar(capture.view, capture.decoding, undefined, sink, new ExportProgress(capture.exchanges.length))
  return JSON.parse(Buffer.concat(pieces).toString('utf8'))
}

const JSON_TEXT = JSON.stringify({ stamp: 4100001, items: ['a', 'b'] })

describe('HAR of HTTP/2 exchanges', () => {
  it('writes HTTP/2.0 entries with the URL from the pseudo-headers, which it lists as sent', async () => {
    const capture = h2Capture(
      [
        {
          request: {
            headers: [[':method', 'POST'], [':scheme', 'https'], [':authority', 'api.test:8443'], [':path', '/v1/items?a=1&b=two%20words'], ['content-type', 'application/json'], ['user-agent', 'curl/8']],
            data: [Buffer.from('{"name":'), Buffer.from('"x"}')]
          },
          response: {
            headers: [[':status', '201'], ['content-type', 'application/json'], ['set-cookie', 'id=7; Path=/']],
            data: [Buffer.from(JSON_TEXT.slice(0, 10)), Buffer.from(JSON_TEXT.slice(10))]
          }
        }
      ],
      { tls: { client: { side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'h2' } } }
    )
    const har = await harOf(capture)
    await expect(validateHar(har)).resolves.toBeDefined()
    const [e] = har.log.entries
    expect(e.request.httpVersion).toBe('HTTP/2.0')
    expect(e.response.httpVersion).toBe('HTTP/2.0')
    expect(e.request.method).toBe('POST')
    expect(e.request.url).toBe('https://api.test:8443/v1/items?a=1&b=two%20words')
    expect(e.request.queryString).toEqual([{ name: 'a', value: '1' }, { name: 'b', value: 'two words' }])
    expect(e.request.headers.map((h) => h.name)).toEqual([':method', ':scheme', ':authority', ':path', 'content-type', 'user-agent'])
    expect(e.response.headers[0]).toEqual({ name: ':status', value: '201' })
    expect(e.response.status).toBe(201)
    expect(e.request.headersSize).toBe(-1)
    expect(e.response.headersSize).toBe(-1)
    // The DATA payloads, not the frames around them.
    expect(e.request.bodySize).toBe(Buffer.byteLength('{"name":"x"}'))
    expect(e.request.postData).toEqual({ mimeType: 'application/json', text: '{"name":"x"}' })
    expect(e.response.content.text).toBe(JSON_TEXT)
    expect(e.response.content.size).toBe(JSON_TEXT.length)
    expect(e.response.bodySize).toBe(JSON_TEXT.length)
  })

  it("names a cleartext (h2c) request's URL by its own :scheme, and falls back to the connection's target without :authority", async () => {
    const capture = h2Capture([
      { request: { headers: [[':method', 'GET'], [':scheme', 'http'], [':authority', 'localhost:8080'], [':path', '/']] }, response: { headers: [[':status', '204']] } },
      { request: { headers: [[':method', 'GET'], [':scheme', 'http'], [':path', '/no-authority']] }, response: { headers: [[':status', '200']] } }
    ])
    const har = await harOf(capture)
    await expect(validateHar(har)).resolves.toBeDefined()
    expect(har.log.entries.map((e) => e.request.url)).toEqual(['http://localhost:8080/', 'http://127.0.0.1:8443/no-authority'])
    expect(har.log.entries[0].response.bodySize).toBe(0)
  })

  it("writes a gRPC call's bodies as base64 with their content type", async () => {
    const request = grpcFrame(Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63]))
    const response = grpcFrame(Buffer.from([0x08, 0x96, 0x01]))
    const capture = h2Capture([
      {
        request: {
          headers: [[':method', 'POST'], [':scheme', 'http'], [':authority', 'grpc.test'], [':path', '/pkg.Greeter/SayHello'], ['content-type', 'application/grpc+proto'], ['te', 'trailers']],
          data: [request]
        },
        response: { headers: [[':status', '200'], ['content-type', 'application/grpc']], data: [response], trailers: [['grpc-status', '0'], ['grpc-message', '']] }
      }
    ])
    const har = await harOf(capture)
    await expect(validateHar(har)).resolves.toBeDefined()
    const [e] = har.log.entries
    expect(e.request.postData).toEqual({ mimeType: 'application/grpc+proto', text: request.toString('base64'), encoding: 'base64' })
    expect(e.response.content).toMatchObject({ mimeType: 'application/grpc', text: response.toString('base64'), encoding: 'base64', size: response.length })
  })
})

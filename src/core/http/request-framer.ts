// Splits a client's byte stream into HTTP/1.x requests, so a canned response is sent once
// per request, keep-alive and pipelining included, however the bytes were chunked by TCP.
// An adapter over the protocol decoder's MessageReader (one HTTP/1 parser in the app): it
// only adds what a server answering needs, strictness (any problem is garbage, answered
// 400) and each request's keep-alive.

import { requestFraming } from '../protocols/http1/body-framing'
import { headerTokens } from '../protocols/http1/head-parser'
import { MessageReader } from '../protocols/http1/message-reader'

export interface RequestHead {
  method: string
  target: string
  version: string
  headers: Array<[string, string]>
  /** Whether the connection stays open after the response. */
  keepAlive: boolean
}

export class HttpFramingError extends Error {}

export class HttpRequestFramer {
  private offset = 0
  private done: RequestHead[] = []
  private error: HttpFramingError | undefined
  private readonly reader = new MessageReader('client', 'request', {
    head: (msg) => {
      if (!/^HTTP\/1\.[01]$/.test(msg.version)) return { problem: `not an HTTP/1.x request line: "${msg.startLine.slice(0, 80)}"` }
      return requestFraming(msg.headers)
    },
    progress: () => {},
    complete: (msg) => {
      const version = msg.version.slice(5)
      const connection = headerTokens(msg.headers, 'connection')
      const keepAlive = version === '1.1' ? !connection.includes('close') : connection.includes('keep-alive')
      this.done.push({ method: msg.method!, target: msg.target!, version, headers: msg.headers.map((h) => [h.name, h.value]), keepAlive })
    },
    problem: (p) => (this.error ??= new HttpFramingError(p.message)),
    finished: () => {}
  })

  /** Feeds bytes; returns the requests completed by them. Throws HttpFramingError on garbage. */
  push(chunk: Uint8Array): RequestHead[] {
    if (!this.error) {
      this.reader.push(chunk, this.offset, 0)
      this.offset += chunk.length
    }
    if (this.error) throw this.error
    const done = this.done
    this.done = []
    return done
  }
}

// A page's small bodies read together (content-ahead.ts, what a HAR export does per page of
// each connection): each body's content exactly as messageContent streams it, in a few reads
// rather than one or more a body; large bodies, and pages past the export's budget, left to
// be read when written; the budget given back whole.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Agent, request } from 'node:http'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { Decoding } from '../../../src/core/decode/decoding'
import { messageContent } from '../../../src/core/decode/body-content'
import { AHEAD_BODY, AheadBudget, BodiesAhead, contentAhead, messagesOf } from '../../../src/core/decode/content-ahead'
import type { HttpMessage } from '../../../src/shared/protocol-types'
import { behindProxy } from '../../helpers/behind-proxy'

const KiB = 1024
const EXCHANGES = 60

let file: FileCapture
let decoding: Decoding
let close: () => Promise<void>

/** The answer to request i: Content-Length, chunked in pieces, empty, or (every 20th) larger than what is read ahead. */
const answer = (i: number): Buffer[] => {
  if (i % 20 === 7) return [Buffer.alloc(AHEAD_BODY + 10 * KiB, 0x61 + (i % 26))]
  if (i % 5 === 3) return []
  if (i % 2 === 0) return [Buffer.from(`/${i} `.repeat(1 + (i % 40)))]
  return Array.from({ length: 1 + (i % 4) }, (_, k) => Buffer.from(`chunk ${k} of ${i};`))
}

beforeAll(async () => {
  const proxied = await behindProxy((req, res) => {
    const i = Number(req.url!.slice(1))
    const parts = answer(i)
    req.resume()
    req.on('end', () => {
      if (parts.length === 1) res.setHeader('Content-Length', parts[0].length)
      for (const p of parts) res.write(p)
      res.end()
    })
  })
  close = proxied.close
  // One keep-alive connection: a POST with a body now and then, the rest GETs.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  for (let i = 0; i < EXCHANGES; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request({ port: proxied.port, host: '127.0.0.1', path: `/${i}`, method: i % 3 === 0 ? 'POST' : 'GET', agent }, (res) => {
        res.resume()
        res.on('end', resolve)
      })
      req.on('error', reject)
      req.end(i % 3 === 0 ? `form=${i}` : undefined)
    })
  }
  agent.destroy()
  const t = proxied.t
  while (t.engine.capture.connections().some((c) => c.end === 'open')) await new Promise((r) => setTimeout(r, 10))
  const path = t.capturePath
  await t.engine.close()
  file = await FileCapture.open(path)
  decoding = new Decoding({ worker: false })
}, 60_000)

afterAll(async () => {
  await decoding?.close()
  await file?.close()
  await close?.()
})

async function streamed(connId: number, msg: HttpMessage): Promise<Buffer> {
  const pieces: Uint8Array[] = []
  for await (const p of messageContent(file, connId, msg)) pieces.push(p)
  return Buffer.concat(pieces)
}

describe("a page's bodies read ahead", () => {
  it('gives each small body its content as streamed, in a few reads, and leaves the large ones', async () => {
    const [conn] = await file.listConnections()
    const { exchanges } = await decoding.exchanges(file, conn.id, 0, EXCHANGES)
    expect(exchanges).toHaveLength(EXCHANGES)
    const msgs = exchanges.flatMap((ex) => [ex.request!, ex.response!])
    const reads = vi.spyOn(file, 'readBytes')
    const budget = new AheadBudget()
    const ahead = await contentAhead(file, conn.id, msgs, budget)
    const aheadReads = reads.mock.calls.length
    reads.mockRestore()
    // A direction's bodies lie a head apart and share a read, but for the three large ones,
    // which part them (not read ahead): five reads in all, not one a body (there are over 60).
    expect(aheadReads).toBe(5)
    let bodies = 0
    for (const [i, ex] of exchanges.entries()) {
      for (const msg of [ex.request!, ex.response!]) {
        const size = msg.body.framing === 'none' ? 0 : msg.body.size
        const got = ahead.content.get(msg)
        if (size === 0 || size > AHEAD_BODY) {
          expect(got, `exchange ${i} ${msg.dir}`).toBeUndefined()
          continue
        }
        bodies++
        expect(Buffer.from(got!).equals(await streamed(conn.id, msg)), `exchange ${i} ${msg.dir}`).toBe(true)
      }
    }
    expect(bodies).toBeGreaterThan(60)
    expect(exchanges.some((ex) => ex.response!.body.framing === 'chunked' && ahead.content.has(ex.response!))).toBe(true)
    // What the page holds of the budget: its reads' bytes, given back once written.
    expect(ahead.held).toBeGreaterThan(0)
    expect(budget.take(32 * 1024 * 1024 - ahead.held + 1)).toBe(false)
    budget.give(ahead.held)
    expect(budget.take(32 * 1024 * 1024)).toBe(true)
  })

  it("http.body answers a page's small bodies from what its listing read ahead (show's way), each as read from the file", async () => {
    const [conn] = await file.listConnections()
    const plain = new Decoding({ worker: false })
    try {
      await decoding.exchanges(file, conn.id, 0, EXCHANGES, true)
      await plain.exchanges(file, conn.id, 0, EXCHANGES)
      const reads = vi.spyOn(file, 'readBytes')
      const parts = ['request', 'response'] as const
      const asked = { ahead: 0, plain: 0 }
      for (let exchange = 0; exchange < EXCHANGES; exchange++) {
        for (const part of parts) {
          const q = { connId: conn.id, exchange, part, decode: true, offset: 0, length: 1024 * KiB }
          const before = reads.mock.calls.length
          const ahead = await decoding.body(file, q)
          asked.ahead += reads.mock.calls.length - before
          const mid = reads.mock.calls.length
          const read = await plain.body(file, q)
          asked.plain += reads.mock.calls.length - mid
          expect(Buffer.from(ahead.bytes).equals(Buffer.from(read.bytes)), `exchange ${exchange} ${part}`).toBe(true)
          expect({ ...ahead, bytes: undefined }).toEqual({ ...read, bytes: undefined })
        }
      }
      reads.mockRestore()
      // Only the three bodies too large to read ahead are read when asked for.
      expect(asked.ahead).toBe(3)
      expect(asked.plain).toBeGreaterThan(60)
    } finally {
      await plain.close()
    }
  })

  it('keeps one page for http.body, its bytes given back before the next page is read', async () => {
    const [conn] = await file.listConnections()
    const { exchanges } = await decoding.exchanges(file, conn.id, 0, EXCHANGES)
    const [first, second] = [messagesOf(exchanges.slice(0, 30)), messagesOf(exchanges.slice(30))]
    const one = await contentAhead(file, conn.id, first, new AheadBudget())
    const other = await contentAhead(file, conn.id, second, new AheadBudget())
    // Room for the larger of the two pages, not for both.
    const kept = new BodiesAhead(Math.max(one.held, other.held))
    kept.add(file, conn.id, first)
    const body = first.find((m) => one.content.has(m))!
    expect(Buffer.from((await kept.content(body))!).equals(Buffer.from(one.content.get(body)!))).toBe(true)
    kept.add(file, conn.id, second)
    const next = second.find((m) => other.content.has(m))!
    expect(await kept.content(next)).toBeDefined()
    // The page before is gone.
    expect(await kept.content(body)).toBeUndefined()
  })

  it('leaves to be read on its own a body whose shared read stopped short at bytes the capture did not keep', async () => {
    const [conn] = await file.listConnections()
    // The answers before the first large one: their bodies share one read.
    const { exchanges } = await decoding.exchanges(file, conn.id, 0, 7)
    const responses = exchanges.map((ex) => ex.response!).filter((m) => m.body.size > 0)
    expect(responses).toHaveLength(6)
    // A gap where the fourth answer's body starts: the reader stops a read there, as it does at a gap.
    const gapAt = responses[3].body.range.offset
    const gapped = new Proxy(file, {
      get: (target, key) =>
        key === 'readBytes'
          ? async (connId: number, dir: 'client' | 'server', offset: number, length: number) => {
              const bytes = await target.readBytes(connId, dir, offset, length)
              return dir === 'server' && offset < gapAt && offset + length > gapAt ? bytes.subarray(0, gapAt - offset) : bytes
            }
          : (Reflect.get(target, key) as unknown)
    })
    const ahead = await contentAhead(gapped, conn.id, responses, new AheadBudget())
    for (const [k, msg] of responses.entries()) {
      if (k < 3) expect(Buffer.from(ahead.content.get(msg)!).equals(await streamed(conn.id, msg)), `answer ${k}`).toBe(true)
      else expect(ahead.content.has(msg), `answer ${k}`).toBe(false)
    }
  })

  it('reads nothing ahead past the budget: those bodies are read when written', async () => {
    const [conn] = await file.listConnections()
    const { exchanges } = await decoding.exchanges(file, conn.id, 0, EXCHANGES)
    const reads = vi.spyOn(file, 'readBytes')
    const ahead = await contentAhead(file, conn.id, exchanges.flatMap((ex) => [ex.request!, ex.response!]), new AheadBudget(1000))
    expect(reads).not.toHaveBeenCalled()
    reads.mockRestore()
    expect(ahead.content.size).toBe(0)
    expect(ahead.held).toBe(0)
  })
})

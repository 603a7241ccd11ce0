// A minimal engine client for the bench: web mode's envelope over a WebSocket (the ws
// package), written independently of src/shared/wire.ts, as any outside client could be.
// It sends calls without binary attachments and reads replies and events as JSON (the
// attachments it receives, bytes it does not use, are skipped).
import WebSocket from 'ws'
import { once } from 'node:events'

function frame(message) {
  const json = Buffer.from(JSON.stringify(message))
  const head = Buffer.alloc(4)
  head.writeUInt32LE(json.length, 0)
  return Buffer.concat([head, json])
}

function unframe(buf) {
  const n = buf.readUInt32LE(0)
  return JSON.parse(buf.toString('utf8', 4, 4 + n))
}

export async function connectEngine(url) {
  const u = new URL(url)
  // The token goes as a subprotocol, as the page offers it (src/shared/web-mode.ts).
  const ws = new WebSocket(`ws://${u.host}/ws`, ['tcpscope', `tcpscope.token.${u.searchParams.get('token')}`], { headers: { Origin: u.origin } })
  await once(ws, 'open')
  let next = 1
  const pending = new Map()
  ws.on('message', (data) => {
    const m = unframe(data)
    if (m.t !== 'reply') return
    const p = pending.get(m.id)
    pending.delete(m.id)
    if (m.ok) p.resolve(m.value)
    else p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }))
  })
  return {
    call(cmd, args) {
      const id = next++
      ws.send(frame({ t: 'call', id, cmd, args }))
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
    },
    close: () => ws.close()
  }
}

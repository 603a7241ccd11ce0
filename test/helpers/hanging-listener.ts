// A loopback listener whose connects hang: it never accepts and its accept queue is
// full, so Linux drops further SYNs and a connect stays pending until it gives up.
// The listener lives in a worker thread that blocks right after listening, so nothing
// ever calls accept(); two connections (backlog 1 holds two) then fill the queue.
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { Worker } from 'node:worker_threads'

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { createServer } = require('node:net')
const server = createServer(() => {}).listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port)
  Atomics.wait(new Int32Array(workerData), 0, 0)
  server.close()
})
`

export interface HangingListener {
  port: number
  close: () => Promise<void>
}

export async function startHangingListener(): Promise<HangingListener> {
  const release = new SharedArrayBuffer(4)
  const worker = new Worker(WORKER, { eval: true, workerData: release })
  const [port] = (await once(worker, 'message')) as [number]
  const fillers: Socket[] = []
  for (let i = 0; i < 2; i++) {
    const s = connect({ port, host: '127.0.0.1' })
    s.on('error', () => {})
    await once(s, 'connect')
    fillers.push(s)
  }
  return {
    port,
    close: async () => {
      for (const s of fillers) s.destroy()
      const exited = once(worker, 'exit')
      Atomics.store(new Int32Array(release), 0, 1)
      Atomics.notify(new Int32Array(release), 0)
      await exited
    }
  }
}

// Traffic rules on MQTT through the proxy, with a real mosquitto broker: mosquitto_pub
// publishes through the proxy, a rule replaces the PUBLISH's payload (its Remaining Length
// refit), and mosquitto_sub, subscribed straight at the broker, receives the new payload.
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { runClient } from '../../../helpers/run-client'
import { portOf, testEngine } from '../../../helpers/engine'
import { connectTo, startServer, waitFor } from '../../../helpers/net'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function startBroker(dir: string): Promise<number> {
  // mosquitto cannot listen on port 0 and tell; take a free port from the kernel first.
  const probe = await startServer(() => {})
  const port = probe.port
  await probe.close()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`)
  const broker = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
  cleanups.push(() => void broker.kill('SIGKILL'))
  for (let i = 0; ; i++) {
    try {
      ;(await connectTo(port)).destroy()
      return port
    } catch (err) {
      if (i > 100 || broker.exitCode !== null) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

describe('traffic rules on MQTT', () => {
  it("replaces a PUBLISH's payload on its way to the broker", async (ctx) => {
    needProgram(ctx, 'mosquitto, mosquitto_pub and mosquitto_sub', ['mosquitto', 'mosquitto_pub', 'mosquitto_sub'].every(hasProgram))
    const t = await testEngine()
    cleanups.push(t.dispose)
    const brokerPort = await startBroker(t.dir)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${brokerPort}` })
    await t.engine['rules.set']({
      proxyId: proxy.id,
      rules: [{ match: { message: { protocol: 'mqtt', fields: { command: 'PUBLISH', topic: 'sensors/room-9' } } }, steps: [{ rewrite: { bytes: [{ find: '21.5', with: '-40.0 (rewritten)' }] } }] }]
    })
    let out = ''
    const sub: ChildProcess = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(brokerPort), '-t', 'sensors/#', '-C', '1', '-v'], { stdio: ['ignore', 'pipe', 'ignore'] })
    cleanups.push(() => void sub.kill('SIGKILL'))
    sub.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    // Retained: a subscriber that is not subscribed yet when the PUBLISH comes still gets it.
    const pub = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(portOf(proxy.listen)), '-t', 'sensors/room-9', '-m', '21.5', '-r'], {}, 15_000)
    expect(pub.code, pub.err).toBe(0)
    await waitFor(() => out.includes('\n') && out, 'the subscriber to print the message')
    expect(out.trim()).toBe('sensors/room-9 -40.0 (rewritten)')
    const [rule] = (await t.engine['rules.list']({ proxyId: proxy.id })).rules
    expect(rule.hits).toBe(1)
  })
})

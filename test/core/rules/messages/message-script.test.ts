// The script's onMessage on a raw connection's messages, between two fake ports and a real
// script thread: a message no rule acted on is changed (its lengths refit), delayed, dropped,
// or ends the connection; a hook that throws lets it pass; and a script with no onMessage
// keeps the uncut fast path.
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../../helpers/net'
import { cleanupScripts, hostScript } from '../script/script-helpers'
import { bulk, cmd, harness, tick } from './pair-harness'

afterEach(cleanupScripts)

const HOOKS = `
export function onMessage(msg, ctx) {
  if (msg.dir === 'server') {
    if (msg.text === '$1\\r\\nA\\r\\n') msg.text = '$1\\r\\nAAA\\r\\n'
    return
  }
  const key = msg.fields.key
  if (msg.summary === 'GET k') msg.text = msg.text.replace('$1\\r\\nk\\r\\n', '$1\\r\\nkey2\\r\\n')
  if (key === 'gone') ctx.drop()
  if (key === 'slow') ctx.delay(60)
  if (key === 'bye') ctx.reset()
  if (key === 'boom') throw new Error('boom')
}
`

describe("the script's onMessage on redis messages", () => {
  it('changes a command and a reply, their lengths refit, and records both with what was delivered', async () => {
    const { host } = await hostScript(HOOKS)
    const h = harness([], { script: host })
    h.send('client', cmd('GET', 'k'))
    await waitFor(() => h.target() !== '', 'the command at the target')
    expect(h.target()).toBe(cmd('GET', 'key2'))
    h.send('server', bulk('A'))
    await waitFor(() => h.client() !== '', 'the reply at the client')
    expect(h.client()).toBe(bulk('AAA'))
    expect(h.got.events).toMatchObject([
      { dir: 'client', rule: 'script', action: 'script', summary: 'GET k', offset: 0, delivered: Buffer.from(cmd('GET', 'key2')).toString('base64') },
      { dir: 'server', rule: 'script', action: 'script', message: expect.stringContaining('the reply') as unknown, delivered: Buffer.from(bulk('AAA')).toString('base64') }
    ])
  })

  it('drops a command without a reply slot, delays another in its order, and lets one the hook throws on pass', async () => {
    const { host, reports } = await hostScript(HOOKS)
    const h = harness([], { script: host })
    h.send('client', cmd('GET', 'gone') + cmd('GET', 'slow') + cmd('GET', 'boom') + cmd('GET', 'x'))
    await tick(30)
    expect(h.target()).toBe('')
    await waitFor(() => h.target().length === (cmd('GET', 'slow') + cmd('GET', 'boom') + cmd('GET', 'x')).length, 'the commands after the delay')
    expect(h.target()).toBe(cmd('GET', 'slow') + cmd('GET', 'boom') + cmd('GET', 'x'))
    // Three replies for the three commands sent: the dropped one took no slot.
    h.send('server', bulk('1') + bulk('2') + bulk('3'))
    await waitFor(() => h.client().length === 3 * bulk('1').length, 'three replies')
    expect(h.got.events.map((e) => [e.action, e.summary])).toEqual([
      ['script', 'GET gone'],
      ['delay', 'GET slow'],
      ['error', 'GET boom']
    ])
    expect(h.got.events[2].message).toMatch(/onMessage threw: .*boom.*the message went on unchanged/)
    expect(reports.join('\n')).toMatch(/boom/)
  })

  it('resets the connection after the answers due before it', async () => {
    const { host } = await hostScript(HOOKS)
    const h = harness([], { script: host })
    h.send('client', cmd('GET', 'a') + cmd('GET', 'bye') + cmd('GET', 'never'))
    await waitFor(() => h.target() !== '', 'the first command')
    expect(h.got.reset).toBe(false)
    h.send('server', bulk('A'))
    await waitFor(() => h.got.reset, 'the reset')
    expect(h.client()).toBe(bulk('AAA'))
    expect(h.got.events.find((e) => e.summary === 'GET bye')).toMatchObject({ rule: 'script', action: 'script', message: 'the script reset the connection at GET bye' })
  })

  it('keeps the fast path for a script without onMessage: chunks go on as they came', async () => {
    const { host } = await hostScript('export function onRequest() {}\n')
    const h = harness([], { script: host })
    const chunk = Buffer.from(cmd('GET', 'k'))
    h.send('client', chunk)
    expect(h.got.target[0]).toBe(chunk)
    expect(h.got.events).toEqual([])
  })
})

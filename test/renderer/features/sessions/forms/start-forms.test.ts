// The proxy, server and client forms as values: what was typed becomes arguments the
// contract accepts (defaults left to the engine), and every problem found before calling
// is named by its field.
import { describe, expect, it } from 'vitest'
import { validateArgs } from '../../../../../src/shared/contract'
import { behaviourDraft, behaviourFromDraft, newRule } from '../../../../../src/renderer/src/features/sessions/forms/behaviour-draft'
import type { FieldProblems } from '../../../../../src/renderer/src/ui/form/field-problems'
import { clientArgs, clientDraft, proxyArgs, proxyDraft, serverArgs, serverDraft } from '../../../../../src/renderer/src/features/sessions/forms/start-forms'
import type { ServerBehaviour } from '../../../../../src/shared/session-types'

describe('proxy form', () => {
  it('sends only what was given, trimmed, and passes the contract', () => {
    const r = proxyArgs({ ...proxyDraft(), target: ' 127.0.0.1:6379 ' })
    expect(r).toEqual({ ok: true, args: { listen: '127.0.0.1:0', target: '127.0.0.1:6379' } })
    if (r.ok) expect(validateArgs('proxy.start', r.args)).toEqual(r.args)
    const all = proxyArgs({ ...proxyDraft(), listen: '6380', target: '[::1]:80', connectTimeoutMs: '2500', noDelay: false })
    expect(all).toEqual({ ok: true, args: { listen: '6380', target: '[::1]:80', connectTimeoutMs: 2500, noDelay: false } })
  })

  it('names each problem by its field before calling the engine', () => {
    const r = proxyArgs({ ...proxyDraft(), listen: '', target: '127.0.0.1:0', connectTimeoutMs: '1.5', noDelay: true })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems).toEqual({
      listen: { key: 'form.problem.required' },
      target: { key: 'form.problem.portZero' },
      connectTimeoutMs: { key: 'form.problem.whole', params: { min: 1, max: 3_600_000 } }
    })
  })

  it('checks addresses exactly as the engine parses them', () => {
    const r = proxyArgs({ ...proxyDraft(), listen: '127.0.0.1:99999', target: 'redis' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.listen).toEqual({ text: 'bad port in "127.0.0.1:99999": use a number from 0 to 65535' })
    expect(r.problems.target).toMatchObject({ text: expect.stringContaining('give HOST:PORT') })
  })
})

describe('server form', () => {
  it('starts silent on a free port by default', () => {
    const r = serverArgs(serverDraft())
    expect(r).toEqual({ ok: true, args: { listen: '127.0.0.1:0', behaviour: { echo: false, rules: [] } } })
  })

  it('maps every option, rule, HTTP response and interval send into valid arguments', () => {
    const d = serverDraft()
    d.listen = '9000'
    d.maxConnections = '3'
    d.idleTimeoutMs = '60000'
    d.backlog = '16'
    d.pauseOnConnect = true
    d.allowHalfOpen = true
    d.behaviour.echo = true
    d.behaviour.rules = [
      { ...newRule(), match: 'regex', pattern: '^PING (\\w+)', reply: { kind: 'text', data: 'PONG $1\\r\\n' } },
      { ...newRule(), match: 'starts', format: 'hex', pattern: '01 03', reply: { kind: 'hex', data: '01 03 02 00 01' } },
      { ...newRule(), match: 'exact', pattern: '你好', encoding: 'gbk', reply: { kind: 'text', data: '再见' } }
    ]
    d.behaviour.http = { enabled: true, status: '404', headers: 'X-A: 1\n\n  X-B: 2  ', body: { kind: 'text', data: 'nope' } }
    d.behaviour.interval = { enabled: true, everyMs: '500', count: '', payload: { kind: 'hex', data: 'ff' } }
    const r = serverArgs(d)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.args).toEqual({
      listen: '9000',
      maxConnections: 3,
      idleTimeoutMs: 60000,
      backlog: 16,
      pauseOnConnect: true,
      allowHalfOpen: true,
      behaviour: {
        echo: true,
        rules: [
          { match: 'regex', pattern: '^PING (\\w+)', reply: { kind: 'text', data: 'PONG $1\\r\\n' } },
          { match: 'starts', pattern: '01 03', format: 'hex', reply: { kind: 'hex', data: '01 03 02 00 01' } },
          // One encoding per row: the match decodes in it and the text reply is encoded in it.
          { match: 'exact', pattern: '你好', encoding: 'gbk', reply: { kind: 'text', data: '再见', encoding: 'gbk' } }
        ],
        http: { status: 404, headers: ['X-A: 1', 'X-B: 2'], body: { kind: 'text', data: 'nope' } },
        interval: { everyMs: 500, payload: { kind: 'hex', data: 'ff' } }
      }
    })
    expect(validateArgs('server.start', r.args)).toEqual(r.args)
  })

  it('names problems of limits, rules, the HTTP status and the interval by field', () => {
    const d = serverDraft()
    d.maxConnections = '0'
    d.backlog = 'lots'
    d.behaviour.rules = [{ ...newRule(), pattern: 'ok' }, { ...newRule(), pattern: '' }]
    d.behaviour.http = { ...d.behaviour.http, enabled: true, status: '99' }
    d.behaviour.interval = { enabled: true, everyMs: '', count: '0', payload: { kind: 'text', data: 'x' } }
    const r = serverArgs(d)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys(r.problems).sort()).toEqual(['backlog', 'http.status', 'interval.count', 'interval.everyMs', 'maxConnections', 'rule.1'])
    expect(r.problems['interval.everyMs']).toEqual({ key: 'form.problem.required' })
  })

  it('leaves a switched-off HTTP response and interval out, whatever their fields hold', () => {
    const d = serverDraft()
    d.behaviour.http = { enabled: false, status: 'junk', headers: '', body: { kind: 'text', data: '' } }
    d.behaviour.interval = { enabled: false, everyMs: 'junk', count: '', payload: { kind: 'text', data: '' } }
    expect(serverArgs(d)).toEqual({ ok: true, args: { listen: '127.0.0.1:0', behaviour: { echo: false, rules: [] } } })
  })
})

describe('a running server behaviour in its form', () => {
  it('comes back unchanged, including payload options the form does not show', () => {
    const b: ServerBehaviour = {
      echo: true,
      rules: [
        { match: 'contains', pattern: 'GET', reply: { kind: 'file', data: '/srv/reply.bin' } },
        { match: 'ends', pattern: '0d0a', format: 'hex', encoding: 'latin1', reply: { kind: 'text', data: 'ok', encoding: 'latin1', eol: 'crlf', checksum: 'xor8' } }
      ],
      http: { status: 200, headers: ['Content-Type: text/plain'], body: { kind: 'text', data: 'hi', eol: 'lf' } },
      interval: { everyMs: 1000, count: 5, payload: { kind: 'text', data: 'tick', checksum: 'sum8' } }
    }
    const problems: FieldProblems = {}
    expect(behaviourFromDraft(behaviourDraft(b), problems)).toEqual(b)
    expect(problems).toEqual({})
  })
})

describe('client form', () => {
  it('maps every connect option into valid arguments', () => {
    const d = clientDraft()
    Object.assign(d, {
      target: 'localhost:9000',
      connectTimeoutMs: '3000',
      localAddress: '127.0.0.1',
      localPort: '40000',
      family: '4',
      keepAlive: true,
      keepAliveInitialDelayMs: '1000',
      noDelay: false,
      idleTimeoutMs: '5000'
    })
    d.interval = { enabled: true, everyMs: '250', count: '4', payload: { kind: 'text', data: 'ping\\n' } }
    const r = clientArgs(d)
    expect(r).toEqual({
      ok: true,
      args: {
        target: 'localhost:9000',
        connectTimeoutMs: 3000,
        localAddress: '127.0.0.1',
        localPort: 40000,
        family: '4',
        keepAlive: true,
        keepAliveInitialDelayMs: 1000,
        noDelay: false,
        idleTimeoutMs: 5000,
        interval: { everyMs: 250, count: 4, payload: { kind: 'text', data: 'ping\\n' } }
      }
    })
    if (r.ok) expect(validateArgs('client.connect', r.args)).toEqual(r.args)
  })

  it('sends no keep-alive delay while keep-alive is off, and needs a target', () => {
    const r = clientArgs({ ...clientDraft(), keepAliveInitialDelayMs: 'junk' })
    expect(r).toEqual({ ok: false, problems: { target: { key: 'form.problem.required' } } })
    expect(clientArgs({ ...clientDraft(), target: '/tmp/s.sock' })).toEqual({ ok: true, args: { target: '/tmp/s.sock' } })
  })

  it('rejects a local port out of range', () => {
    const r = clientArgs({ ...clientDraft(), target: '127.0.0.1:1', localPort: '70000' })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.problems.localPort).toEqual({ key: 'form.problem.whole', params: { min: 0, max: 65535 } })
  })
})

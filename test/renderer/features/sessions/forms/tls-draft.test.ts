// The TLS and forward-proxy parts of the start forms: what was typed becomes options the
// contract accepts (nothing sent that was not given), each problem is named by its field,
// and the engine's argument errors land beside the same fields.
import { describe, expect, it } from 'vitest'
import { validateArgs } from '../../../../../src/shared/contract'
import { EngineError } from '../../../../../src/shared/errors'
import { routeEngineError } from '../../../../../src/renderer/src/ui/form/engine-error-fields'
import { CLIENT_ROUTES, clientArgs, clientDraft, PROXY_ROUTES, proxyArgs, proxyDraft, SERVER_ROUTES, serverArgs, serverDraft } from '../../../../../src/renderer/src/features/sessions/forms/start-forms'

describe('proxy form: mode and TLS', () => {
  it('starts a forward proxy with no target, its authentication, interception and pass-through hosts', () => {
    const d = proxyDraft()
    d.mode = 'forward'
    d.target = 'ignored:1'
    d.forward = { proxyAuth: ' ann:s3cret:x ', intercept: true, passThrough: 'a.test\n*.apple.com, b.test' }
    const r = proxyArgs(d)
    expect(r).toEqual({ ok: true, args: { listen: '127.0.0.1:0', forward: { proxyAuth: 'ann:s3cret:x', passThrough: ['a.test', '*.apple.com', 'b.test'] } } })
    if (r.ok) expect(validateArgs('proxy.start', r.args)).toEqual(r.args)
  })

  it('sends a forward proxy’s upstream verification only when it changes, and never TLS toward clients', () => {
    const d = proxyDraft()
    d.mode = 'forward'
    d.forward.intercept = false
    d.tlsListen.enabled = true
    d.tlsUpstream = { ...d.tlsUpstream, verify: false, ca: ' /etc/ca.pem ', sni: 'ignored.test' }
    expect(proxyArgs(d)).toEqual({ ok: true, args: { listen: '127.0.0.1:0', forward: { intercept: false }, tlsUpstream: { verify: false, ca: '/etc/ca.pem' } } })
  })

  it('terminates TLS toward clients and speaks TLS to the target with what was given', () => {
    const d = proxyDraft()
    d.target = '127.0.0.1:8443'
    d.tlsListen = { ...d.tlsListen, enabled: true, name: 'upstream.test' }
    d.tlsUpstream = { enabled: true, verify: true, ca: '/tmp/ca.pem', sni: 'upstream.test', alpn: 'h2, http/1.1', cert: '/tmp/c.pem', key: '/tmp/k.pem' }
    const r = proxyArgs(d)
    expect(r).toEqual({
      ok: true,
      args: {
        listen: '127.0.0.1:0',
        target: '127.0.0.1:8443',
        tlsListen: { name: 'upstream.test' },
        tlsUpstream: { ca: '/tmp/ca.pem', sni: 'upstream.test', alpn: ['h2', 'http/1.1'], cert: '/tmp/c.pem', key: '/tmp/k.pem' }
      }
    })
    if (r.ok) expect(validateArgs('proxy.start', r.args)).toEqual(r.args)
    // Off: nothing about TLS is sent, whatever was typed.
    d.tlsListen.enabled = false
    d.tlsUpstream.enabled = false
    expect(proxyArgs(d)).toEqual({ ok: true, args: { listen: '127.0.0.1:0', target: '127.0.0.1:8443' } })
  })

  it('names each problem by its field', () => {
    const d = proxyDraft()
    d.target = '127.0.0.1:8443'
    d.tlsListen = { ...d.tlsListen, enabled: true, source: 'files', cert: '', key: '' }
    d.tlsUpstream = { ...d.tlsUpstream, enabled: true, sni: 'not a name', alpn: Array.from({ length: 17 }, (_, i) => `p${i}`).join(','), cert: '/tmp/c.pem' }
    const r = proxyArgs(d)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems).toEqual({
      'tlsListen.cert': { key: 'form.problem.required' },
      'tlsListen.key': { key: 'form.problem.required' },
      'tlsUpstream.sni': { key: 'tlsForm.problem.hostName' },
      'tlsUpstream.alpn': { key: 'tlsForm.problem.alpn' },
      'tlsUpstream.key': { key: 'tlsForm.problem.needKey' }
    })
    const f = proxyDraft()
    f.mode = 'forward'
    f.forward = { proxyAuth: 'nocolon', intercept: true, passThrough: 'ok.test bad/host' }
    const g = proxyArgs(f)
    expect(g.ok ? {} : g.problems).toEqual({
      'forward.proxyAuth': { key: 'tlsForm.problem.auth' },
      'forward.passThrough': { key: 'tlsForm.problem.passHost', params: { host: 'bad/host' } }
    })
  })

  it('puts the engine’s argument errors beside the TLS and forward fields', () => {
    const err = (path: string) => new EngineError('EINVAL', `invalid arguments for proxy.start: ${path}: bad`)
    expect(routeEngineError(err('tlsUpstream.ca'), PROXY_ROUTES).field).toBe('tlsUpstream.ca')
    expect(routeEngineError(err('tlsUpstream.alpn[2]'), PROXY_ROUTES).field).toBe('tlsUpstream.alpn')
    expect(routeEngineError(err('tlsListen'), PROXY_ROUTES).field).toBe('tlsListen.name')
    expect(routeEngineError(err('forward.passThrough[0]'), PROXY_ROUTES).field).toBe('forward.passThrough')
    expect(routeEngineError(err('tls.sni'), CLIENT_ROUTES).field).toBe('tls.sni')
    expect(routeEngineError(err('tls.cert'), SERVER_ROUTES).field).toBe('tls.cert')
  })
})

describe('client and server forms: TLS', () => {
  it('connects a client with TLS, verification off, SNI and ALPN', () => {
    const d = clientDraft()
    d.target = '127.0.0.1:8443'
    d.tls = { ...d.tls, enabled: true, verify: false, sni: 'upstream.test', alpn: 'http/1.1' }
    const r = clientArgs(d)
    expect(r).toEqual({ ok: true, args: { target: '127.0.0.1:8443', tls: { verify: false, sni: 'upstream.test', alpn: ['http/1.1'] } } })
    if (r.ok) expect(validateArgs('client.connect', r.args)).toEqual(r.args)
  })

  it('listens with a leaf from the CA for a name, or with the certificate and key given', () => {
    const d = serverDraft()
    d.tls = { ...d.tls, enabled: true, name: 'echo.test', alpn: 'h2 http/1.1' }
    const r = serverArgs(d)
    expect(r.ok && r.args.tls).toEqual({ name: 'echo.test', alpn: ['h2', 'http/1.1'] })
    if (r.ok) expect(validateArgs('server.start', r.args)).toEqual(r.args)
    d.tls = { ...d.tls, source: 'files', cert: '/tmp/c.pem', key: '/tmp/k.pem', alpn: '' }
    const files = serverArgs(d)
    expect(files.ok && files.args.tls).toEqual({ cert: '/tmp/c.pem', key: '/tmp/k.pem' })
  })
})

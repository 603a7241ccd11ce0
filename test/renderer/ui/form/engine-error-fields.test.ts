// Each form puts an engine error next to the field its subject belongs to (the subjects
// themselves are held to the real engine's errors in test/core/front/error-subjects.test.ts).
import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../../src/shared/errors'
import { routeEngineError } from '../../../../src/renderer/src/ui/form/engine-error-fields'
import { BEHAVIOUR_ROUTES, CLIENT_ROUTES, PROXY_ROUTES, SERVER_ROUTES } from '../../../../src/renderer/src/features/sessions/forms/start-forms'

const invalid = (cmd: string, path: string): EngineError => new EngineError('EINVAL', `invalid arguments for ${cmd}: ${path}: expected a number >= 1, got number`)
const fieldOf = (err: unknown, routes: Parameters<typeof routeEngineError>[1]): string => routeEngineError(err, routes).field

describe('engine errors in the forms', () => {
  it('proxy: a port in use under Listen, a bad target under Target, the timeout under its field', () => {
    const inUse = new EngineError('EADDRINUSE', 'cannot listen on 127.0.0.1:6380: the port is already in use; stop the other program or pick another port (0 = any free port)')
    expect(routeEngineError(inUse, PROXY_ROUTES)).toEqual({ field: 'listen', text: inUse.message })
    expect(fieldOf(new EngineError('EINVAL', '--target: bad address "redis": give HOST:PORT'), PROXY_ROUTES)).toBe('target')
    expect(fieldOf(invalid('proxy.start', 'connectTimeoutMs'), PROXY_ROUTES)).toBe('connectTimeoutMs')
  })

  it('server: reply rules on their row, the HTTP response and interval send on their fields, limits on theirs', () => {
    expect(fieldOf(new EngineError('EPAYLOAD', 'reply rule 3: bad hex digit "g" at position 2'), SERVER_ROUTES)).toBe('rule.2')
    expect(fieldOf(invalid('server.start', 'behaviour.rules[4].match'), SERVER_ROUTES)).toBe('rule.4')
    expect(fieldOf(new EngineError('EINVAL', 'bad HTTP header "x": write it as "Name: value"'), SERVER_ROUTES)).toBe('http.headers')
    expect(fieldOf(invalid('server.start', 'behaviour.http.status'), SERVER_ROUTES)).toBe('http.status')
    expect(fieldOf(invalid('server.start', 'behaviour.http.body.kind'), SERVER_ROUTES)).toBe('http.body')
    expect(fieldOf(invalid('server.start', 'behaviour.interval.payload.data'), SERVER_ROUTES)).toBe('interval.data')
    expect(fieldOf(invalid('server.start', 'maxConnections'), SERVER_ROUTES)).toBe('maxConnections')
    expect(fieldOf(invalid('server.behaviour', 'behaviour.interval.count'), BEHAVIOUR_ROUTES)).toBe('interval.count')
  })

  it('client: a refused connect under Target, a pinned port or address under its own field', () => {
    expect(fieldOf(new EngineError('ECONNREFUSED', 'connection refused by 127.0.0.1:9: nothing is listening there; is the server running?'), CLIENT_ROUTES)).toBe('target')
    const pinned = 'cannot connect to 127.0.0.1:9000 from 127.0.0.1 port 40000: that local port is in use; pick another local address or port, or leave them out'
    expect(fieldOf(new EngineError('EADDRINUSE', pinned), CLIENT_ROUTES)).toBe('localPort')
    const away = 'cannot connect to 127.0.0.1:9000 from 192.0.2.1: that local address is not on this machine, or a connection from that port to the same server is still closing; pick another local address or port, or leave them out'
    expect(fieldOf(new EngineError('EADDRNOTAVAIL', away), CLIENT_ROUTES)).toBe('localAddress')
    const portOnly = 'cannot connect to 127.0.0.1:9000 from port 40000: that local address is not on this machine, or a connection from that port to the same server is still closing; pick another'
    expect(fieldOf(new EngineError('EADDRNOTAVAIL', portOnly), CLIENT_ROUTES)).toBe('localPort')
    expect(fieldOf(invalid('client.connect', 'interval.payload'), CLIENT_ROUTES)).toBe('interval.data')
  })

  it('shows an error of another field, or of none, for the form as a whole', () => {
    // A client form has no Listen: an error about it is the form's.
    expect(fieldOf(new EngineError('EADDRINUSE', 'somewhere: in use'), CLIENT_ROUTES)).toBe('form')
    expect(routeEngineError(new EngineError('EINTERNAL', 'proxy.start failed: internal error'), PROXY_ROUTES)).toEqual({ field: 'form', text: 'proxy.start failed: internal error' })
    expect(routeEngineError(new Error('socket gone'), PROXY_ROUTES)).toEqual({ field: 'form', text: 'socket gone' })
  })
})

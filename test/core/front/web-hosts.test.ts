// The Host headers web mode answers to follow what --listen was given: loopback names for
// loopback, that address alone for a LAN address, every address of this machine for a
// wildcard; never a name of someone else's choosing.
import { describe, expect, it } from 'vitest'
import { networkInterfaces } from 'node:os'
import { allowedHosts } from '../../../src/core/front/web-hosts'

describe('allowedHosts', () => {
  it('on loopback: the loopback names and addresses, with the port', () => {
    expect([...allowedHosts('127.0.0.1', '127.0.0.1', 8080)].sort()).toEqual(['127.0.0.1:8080', '[::1]:8080', 'localhost:8080'])
    expect(allowedHosts('localhost', '127.0.0.1', 8080)).toEqual(new Set(['localhost:8080', '127.0.0.1:8080', '[::1]:8080']))
  })

  it('on a LAN address or a name: that address or name (in lower case) and the bound address only', () => {
    expect(allowedHosts('192.168.1.20', '192.168.1.20', 8080)).toEqual(new Set(['192.168.1.20:8080']))
    expect(allowedHosts('MyBox.lan', '192.168.1.20', 8080)).toEqual(new Set(['mybox.lan:8080', '192.168.1.20:8080']))
    expect(allowedHosts('fd00::2', 'fd00::2', 8080)).toEqual(new Set(['[fd00::2]:8080']))
  })

  it('on 0.0.0.0 or ::: every address of this machine and the loopback names', () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .map((i) => (i!.family === 'IPv6' ? `[${i!.address}]:8080` : `${i!.address}:8080`))
    for (const wildcard of ['0.0.0.0', '::']) {
      const hosts = allowedHosts(wildcard, wildcard, 8080)
      for (const h of [...own, 'localhost:8080', '127.0.0.1:8080', '[::1]:8080']) expect(hosts.has(h), h).toBe(true)
      expect(hosts.has('evil.example:8080')).toBe(false)
      expect(hosts.has('127.0.0.1:8081')).toBe(false)
    }
  })
})

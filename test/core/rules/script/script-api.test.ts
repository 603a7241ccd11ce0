// The objects a hook is given, on their own: headers keep their order and are looked up
// without regard to case, and only what really changed is reported as changed.
import { describe, expect, it } from 'vitest'
import { inspect } from 'node:util'
import { ScriptRequestApi, scriptResponse } from '../../../../src/core/rules/script/script-api'
import { HeaderList } from '../../../../src/core/rules/script/script-headers'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

describe("a hook's headers", () => {
  it('are looked up without regard to case, repeats joined, and keep their order when set', () => {
    const h = new HeaderList([
      ['Set-Cookie', 'a=1'],
      ['Host', 'x'],
      ['set-cookie', 'b=2']
    ])
    expect(h.get('SET-COOKIE')).toBe('a=1, b=2')
    expect(h.getAll('set-cookie')).toEqual(['a=1', 'b=2'])
    expect(h.get('missing')).toBeNull()
    h.set('set-cookie', 'c=3')
    h.append('X-New', 1 as unknown as string)
    expect([...h]).toEqual([
      ['Set-Cookie', 'c=3'],
      ['Host', 'x'],
      ['X-New', '1']
    ])
    h.delete('HOST')
    expect(h.has('host')).toBe(false)
    expect([...h.keys()]).toEqual(['Set-Cookie', 'X-New'])
  })

  it('refuse a line break, which would split one header into two', () => {
    const h = new HeaderList([])
    expect(() => h.set('x', 'a\r\nInjected: yes')).toThrow(/line break/)
    expect(() => h.append('x\n', 'a')).toThrow(/line break/)
  })
})

describe("a hook's request", () => {
  const req = { method: 'GET', url: 'http://a.test/a?q=1', path: '/a', headers: [['Host', 'a.test']] as [string, string][], body: enc('hi') }

  it('reports only the fields that changed', () => {
    const r = new ScriptRequestApi(req)
    expect(r.changed()).toBeUndefined()
    r.headers.set('host', 'a.test')
    r.body = 'hi'
    expect(r.changed()).toBeUndefined()
    r.method = 'POST'
    expect(r.changed()).toEqual({ method: 'POST' })
  })

  it('shows its fields to JSON.stringify and console.log', () => {
    expect(JSON.parse(JSON.stringify(new ScriptRequestApi(req)))).toEqual({ method: 'GET', url: 'http://a.test/a?q=1', path: '/a', headers: [['Host', 'a.test']], body: 'hi' })
    expect(inspect(new ScriptRequestApi(req))).toContain("url: 'http://a.test/a?q=1'")
  })

  it('keeps the origin and query when its path is set, and recomputes the path when its url is', () => {
    const r = new ScriptRequestApi(req)
    r.path = '/b'
    expect([r.url, r.path]).toEqual(['http://a.test/b?q=1', '/b'])
    r.url = '/c/d?z#f'
    expect(r.path).toBe('/c/d')
  })
})

describe("a script's own response", () => {
  it('defaults to 200, takes headers as an object, and sends an object as JSON', () => {
    const r = scriptResponse({ headers: { 'x-a': ['1', '2'] }, body: [1] })
    expect(r).toEqual({ status: 200, headers: [['x-a', '1'], ['x-a', '2'], ['content-type', 'application/json']], body: enc('[1]') })
    expect(() => scriptResponse({ status: 42 })).toThrow(/100 to 999/)
  })
})

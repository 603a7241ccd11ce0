// Which URL is the app: the one built page, or the dev server only for an unpackaged app.
import { describe, expect, it } from 'vitest'
import { devServerLocation, fileLocation, resolveAppLocation } from '../../src/main/app-location'

describe('app location', () => {
  it('recognises the built page, whatever its hash or query', () => {
    const app = fileLocation('/opt/tcp scope/out/renderer/index.html')
    expect(app.url).toBe('file:///opt/tcp%20scope/out/renderer/index.html')
    expect(app.isAppUrl('file:///opt/tcp%20scope/out/renderer/index.html#/conn/3?x=1')).toBe(true)
    expect(app.isAppUrl('file:///opt/tcp%20scope/out/renderer/other.html')).toBe(false)
    expect(app.isAppUrl('file://evil-host/opt/tcp%20scope/out/renderer/index.html')).toBe(false)
    expect(app.isAppUrl('http://localhost/opt/tcp%20scope/out/renderer/index.html')).toBe(false)
    expect(app.isAppUrl('')).toBe(false)
  })

  it('trusts the dev server origin, and nothing but http(s) as a dev server', () => {
    const dev = devServerLocation('http://localhost:5173')
    expect(dev.url).toBe('http://localhost:5173/')
    expect(dev.isAppUrl('http://localhost:5173/index.html')).toBe(true)
    expect(dev.isAppUrl('http://127.0.0.1:5173/')).toBe(false)
    expect(() => devServerLocation('file:///tmp/x.html')).toThrow(/http/)
  })

  it('ignores a dev server URL in a packaged app', () => {
    const packaged = resolveAppLocation({ packaged: true, devServerUrl: 'http://localhost:5173', indexHtmlPath: '/app/index.html' })
    expect(packaged.url).toBe('file:///app/index.html')
    const dev = resolveAppLocation({ packaged: false, devServerUrl: 'http://localhost:5173', indexHtmlPath: '/app/index.html' })
    expect(dev.url).toBe('http://localhost:5173/')
    const built = resolveAppLocation({ packaged: false, indexHtmlPath: '/app/index.html' })
    expect(built.url).toBe('file:///app/index.html')
  })
})

// Capture files named on the app's command line, from a packaged app or a development run.
import { describe, expect, it } from 'vitest'
import { capturePathsFromArgv } from '../../src/main/argv'

describe('capture paths from the command line', () => {
  it('a packaged app: every argument after the executable, made absolute against the launch folder', () => {
    expect(capturePathsFromArgv(['/opt/tcpscope/tcpscope', 'a.tcap', '/data/b.tcap', '../c.tcap'], { packaged: true, cwd: '/home/me/work' })).toEqual([
      '/home/me/work/a.tcap',
      '/data/b.tcap',
      '/home/me/c.tcap'
    ])
  })

  it('a development run: electron and the app path come first', () => {
    expect(capturePathsFromArgv(['/x/electron', '.', 'a.tcap'], { packaged: false, cwd: '/w' })).toEqual(['/w/a.tcap'])
    expect(capturePathsFromArgv(['/x/electron', '.'], { packaged: false, cwd: '/w' })).toEqual([])
  })

  it("leaves out switches, Chromium's own among them, unless after --", () => {
    const argv = ['/opt/tcpscope/tcpscope', '--allow-file-access-from-files', '--original-process-start-time=133', '-v', 'a.tcap', '--', '-odd-name.tcap']
    expect(capturePathsFromArgv(argv, { packaged: true, cwd: '/w' })).toEqual(['/w/a.tcap', '/w/-odd-name.tcap'])
  })

  it('a `.tcpscope` capture opens like a `.tcap` one', () => {
    expect(capturePathsFromArgv(['C:\\Program Files\\tcpscope\\tcpscope.exe', 'capture.tcpscope'], { packaged: true, cwd: '/w' })).toEqual(['/w/capture.tcpscope'])
  })

  it("a Linux desktop entry's %U may hand over file: URLs; other URLs are not files", () => {
    const argv = ['/opt/tcpscope/tcpscope', '--no-sandbox', 'file:///home/me/My%20captures/a.tcpscope', 'https://example.com/b.tcap', 'file://host/share/c.tcap']
    expect(capturePathsFromArgv(argv, { packaged: true, cwd: '/w' })).toEqual(['/home/me/My captures/a.tcpscope'])
  })

  it('nothing given, nothing to open', () => {
    expect(capturePathsFromArgv(['/opt/tcpscope/tcpscope'], { packaged: true, cwd: '/w' })).toEqual([])
    expect(capturePathsFromArgv(['/opt/tcpscope/tcpscope', ''], { packaged: true, cwd: '/w' })).toEqual([])
  })
})

// Captures the system asks the app to open: they wait for the page, in the order they came,
// whether from the command line, a second launch or macOS's open-file before the app is ready.
import { describe, expect, it } from 'vitest'
import { OpenedFiles, receiveOpenedFiles, type OpenedFilesApp } from '../../src/main/opened-files'

type Listener = (...args: never[]) => void

class FakeApp implements OpenedFilesApp {
  readonly listeners = new Map<string, Listener>()
  on(event: string, listener: Listener): this {
    this.listeners.set(event, listener)
    return this
  }
  secondInstance(argv: string[], cwd: string): void {
    ;(this.listeners.get('second-instance') as (e: unknown, a: string[], c: string) => void)({}, argv, cwd)
  }
  /** Emits open-file; true when the handler took the file (preventDefault). */
  openFile(path: string): boolean {
    let handled = false
    ;(this.listeners.get('open-file') as (e: { preventDefault(): void }, p: string) => void)({ preventDefault: () => (handled = true) }, path)
    return handled
  }
}

function setUp() {
  const app = new FakeApp()
  const files = new OpenedFiles()
  const raised: number[] = []
  receiveOpenedFiles(app, files, { packaged: true, raise: () => raised.push(1) })
  const opened: string[] = []
  return { app, files, raised, opened, connect: () => files.connect((p) => opened.push(p)) }
}

describe('files the system hands the app', () => {
  it("macOS's open-file before the window: held, then opened first, before the command line's", () => {
    const { app, files, opened, connect } = setUp()
    expect(app.openFile('/Users/me/a.tcpscope')).toBe(true)
    expect(opened).toEqual([])
    files.add(['/Users/me/b.tcap'])
    connect()
    expect(opened).toEqual(['/Users/me/a.tcpscope', '/Users/me/b.tcap'])
  })

  it('once the page is there, open-file and a second launch open at once; the second launch raises the window', () => {
    const { app, opened, raised, connect } = setUp()
    connect()
    app.openFile('/Users/me/c.tcpscope')
    app.secondInstance(['/opt/tcpscope/tcpscope', '--no-sandbox', 'd.tcpscope', 'file:///data/e.tcap'], '/home/me')
    expect(opened).toEqual(['/Users/me/c.tcpscope', '/home/me/d.tcpscope', '/data/e.tcap'])
    expect(raised).toHaveLength(1)
  })

  it('a second launch with no file only raises the window', () => {
    const { app, opened, raised, connect } = setUp()
    connect()
    app.secondInstance(['/opt/tcpscope/tcpscope'], '/home/me')
    expect(opened).toEqual([])
    expect(raised).toHaveLength(1)
  })

  it('with the page gone, files wait for the next one', () => {
    const { app, files, opened, connect } = setUp()
    connect()
    files.disconnect()
    app.openFile('/Users/me/f.tcap')
    expect(opened).toEqual([])
    connect()
    expect(opened).toEqual(['/Users/me/f.tcap'])
  })
})

// The page's downloads in the desktop app: each asks where to go in the native save dialog,
// under the name the page gave its link (as web mode's browser would), in Downloads at first
// and then where the last one went. No save path is set, so the dialog is Electron's own.
import { describe, expect, it } from 'vitest'
import type { SaveDialogOptions } from 'electron'
import { askWhereToSaveDownloads, downloadDialogOptions, type DownloadItemLike, type DownloadSession } from '../../src/main/downloads'

type DoneListener = (event: unknown, state: 'completed' | 'cancelled' | 'interrupted') => void

class FakeItem implements DownloadItemLike {
  dialog: SaveDialogOptions | undefined
  savePath = ''
  done: DoneListener | undefined
  /** Set only by setSavePath, which would skip the dialog: the handler must never call it. */
  readonly setSavePathCalls: string[] = []
  constructor(private readonly filename: string) {}
  getFilename(): string {
    return this.filename
  }
  setSaveDialogOptions(options: SaveDialogOptions): void {
    this.dialog = options
  }
  setSavePath(path: string): void {
    this.setSavePathCalls.push(path)
  }
  getSavePath(): string {
    return this.savePath
  }
  once(_event: 'done', listener: DoneListener): this {
    this.done = listener
    return this
  }
}

class FakeSession implements DownloadSession {
  readonly listeners = new Map<string, Array<(event: unknown, item: DownloadItemLike) => void>>()
  on(event: string, listener: (event: unknown, item: DownloadItemLike) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }
  download(name: string): FakeItem {
    const item = new FakeItem(name)
    for (const l of this.listeners.get('will-download') ?? []) l({}, item)
    return item
  }
}

const words = { title: 'Save file', allFiles: 'All files' }

describe('downloads go through the save dialog', () => {
  it('registers one will-download handler that offers the page’s name in Downloads, and sets no save path', () => {
    const session = new FakeSession()
    askWhereToSaveDownloads(session, { downloads: () => '/home/me/Downloads', words: () => words })
    expect(session.listeners.get('will-download')).toHaveLength(1)
    const item = session.download('capture-2026-11-23T09-30-00-000Z.har')
    expect(item.dialog).toEqual({
      title: 'Save file',
      defaultPath: '/home/me/Downloads/capture-2026-11-23T09-30-00-000Z.har',
      filters: [
        { name: '*.har', extensions: ['har'] },
        { name: 'All files', extensions: ['*'] }
      ],
      properties: ['createDirectory', 'showOverwriteConfirmation']
    })
    expect(item.setSavePathCalls).toEqual([])
  })

  it('the next download is offered where the last one was saved; a cancelled one changes nothing', () => {
    const session = new FakeSession()
    askWhereToSaveDownloads(session, { downloads: () => '/home/me/Downloads', words: () => words })
    const first = session.download('conn-3.pcapng')
    first.savePath = '/data/traces/conn-3.pcapng'
    first.done?.({}, 'completed')
    const cancelled = session.download('capture.tcap')
    expect(cancelled.dialog?.defaultPath).toBe('/data/traces/capture.tcap')
    cancelled.done?.({}, 'cancelled')
    expect(session.download('tcpscope-ca.pem').dialog?.defaultPath).toBe('/data/traces/tcpscope-ca.pem')
  })

  it('the words follow the page’s language at the time of the download', () => {
    const session = new FakeSession()
    let current = words
    askWhereToSaveDownloads(session, { downloads: () => '/d', words: () => current })
    current = { title: '保存文件', allFiles: '所有文件' }
    expect(session.download('a.jsonl').dialog).toMatchObject({ title: '保存文件', filters: [{ name: '*.jsonl' }, { name: '所有文件' }] })
  })

  it('a name with no extension gets only the all-files filter; a name cannot climb out of the folder', () => {
    expect(downloadDialogOptions('README', '/d', words).filters).toEqual([{ name: 'All files', extensions: ['*'] }])
    expect(downloadDialogOptions('../../etc/passwd', '/d', words).defaultPath).toBe('/d/passwd')
    expect(downloadDialogOptions('', '/d', words).defaultPath).toBe('/d/download')
  })
})

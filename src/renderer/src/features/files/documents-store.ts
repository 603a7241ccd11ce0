// Captures as documents: opening one by path, uploading or dropping a file, saving the live
// capture under a name (or downloading it to the browser's machine), whether it is saved,
// closing and switching between open captures, and recent files. One long operation runs at
// a time (exports too: features/exports/exports-store.ts runs them here), with its progress (bytes for an
// upload or a download; for open and save the engine says nothing, so only the time it has
// taken) and a cancel; how it ended is kept as one line for the views to show (a success or
// a cancel for a while, ui/fading-note.ts; a failure until dismissed).

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { CaptureInfo, SavedCapture } from '../../../../shared/capture-types'
import { LIVE_CAPTURE } from '../../../../shared/capture-types'
import type { Transport } from '../../../../shared/transport'
import { desktopShell } from './desktop-shell'
import { splitPath } from './recent-files'
import { uploadCapture } from './upload-capture'
import { downloadCapture, downloadName, offerDownload } from './download-capture'
import { useConnectionsStore } from '../connections/connections-store'
import { useEngineStore } from '../../platform/engine-store'
import { fadingNote } from '../../ui/fading-note'
import { useSettingsStore } from '../settings/settings-store'

export type OperationKind = 'open' | 'save' | 'upload' | 'download' | 'export'

export interface Operation {
  kind: OperationKind
  /** The file's name, as the user knows it. */
  name: string
  startedAt: number
  /** Bytes the engine has taken (an upload) or given (a download), of `total`. */
  done?: number
  total?: number
  /** What `done` counts when not bytes: an export's progress in the engine's own units. */
  unit?: 'bytes' | 'steps'
  /** Cancel was asked for; the engine has not answered yet. */
  cancelling?: boolean
}

/** How the latest operation ended, when there is something to say. */
export type Outcome =
  | { kind: 'error'; code?: string; message: string; forgotten?: boolean }
  | { kind: 'cancelled'; operation: OperationKind; name: string }
  | { kind: 'saved'; path: string; connections: number }
  | { kind: 'downloaded'; name: string; connections: number }
  /** An export handed to the browser's downloads (features/exports/exports-store.ts). */
  | { kind: 'exported'; name: string; size: number }
  /** A curl command put on the clipboard. */
  | { kind: 'copied'; connId: number; exchange: number }
  | { kind: 'busy'; name: string }

/** An outcome that stays until dismissed: a failure, or a refusal to start a second operation. */
export const outcomeIsWarning = (o: Outcome): boolean => o.kind === 'error' || o.kind === 'busy'

/** A save that would replace a capture: what the user is asked, and the token a yes sends back. */
export interface ReplaceQuestion {
  path: string
  /** The engine's own words: the file and its size. */
  message: string
  confirm: string
}

export const useDocumentsStore = defineStore('documents', () => {
  const engine = useEngineStore()
  const list = useConnectionsStore()
  const settings = useSettingsStore()
  const operation = shallowRef<Operation>()
  const outcome = shallowRef<Outcome>()
  const question = shallowRef<ReplaceQuestion>()
  let abort: AbortController | undefined
  // A confirmation goes by itself after a while (not while it is being read); a failure stays until dismissed.
  const { hold: holdOutcome } = fadingNote(outcome, outcomeIsWarning)

  const busy = computed(() => operation.value !== undefined)

  // The engine says whether the live capture is saved in each capture list it sends, as of
  // that moment; live connections that changed in a batch without one (a close, a FIN) make
  // it unsaved until the next list says otherwise.
  const changedSinceList = ref(false)
  watch(
    () => engine.captures,
    () => (changedSinceList.value = false),
    { flush: 'sync' }
  )
  watch(
    () => engine.applied,
    (batches) => {
      for (const b of batches) {
        if (b.captures) changedSinceList.value = false
        else if (b.conns || b.events || b.data || b.resync) changedSinceList.value = true
      }
    },
    { flush: 'sync' }
  )
  /** The live capture holds connections no save or download has copied: closing would lose them. */
  const liveUnsaved = computed(() => engine.liveCapture?.unsaved === true || (changedSinceList.value && (engine.liveCapture?.connections ?? 0) > 0))
  /** Where the engine puts a save by a relative name. */
  const saveFolder = computed(() => engine.liveCapture?.saveFolder)
  /** The token of the last failure, when the engine asked to be asked (see save). */
  let lastConfirm: string | undefined

  /** Runs one long operation; undefined when it failed or was cancelled (the outcome says which). */
  async function run<T>(kind: OperationKind, name: string, work: (t: Transport, signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    lastConfirm = undefined
    const t = engine.transport
    if (!t) return undefined
    if (operation.value) {
      outcome.value = { kind: 'busy', name: operation.value.name }
      return undefined
    }
    const controller = new AbortController()
    abort = controller
    operation.value = { kind, name, startedAt: Date.now() }
    outcome.value = undefined
    try {
      return await work(t, controller.signal)
    } catch (err) {
      const code = (err as { code?: string }).code
      lastConfirm = (err as { confirm?: string }).confirm
      outcome.value = code === 'ECANCELED' || controller.signal.aborted ? { kind: 'cancelled', operation: kind, name } : { kind: 'error', code, message: (err as Error).message }
      return undefined
    } finally {
      operation.value = undefined
      abort = undefined
    }
  }

  function show(info: CaptureInfo): void {
    list.capture = info.id
  }

  // A page that starts with files already open (`tcpscope web --open FILE`, or a reload) shows
  // the one opened last: it was opened to be looked at, unlike the live capture, empty at start.
  let started = false
  watch(
    () => engine.captures,
    (captures) => {
      if (started || captures.length === 0) return
      started = true
      const last = captures.at(-1)
      if (last && last.id !== LIVE_CAPTURE && list.capture === LIVE_CAPTURE) show(last)
    },
    // At the snapshot itself, so the live capture is never drawn in front first.
    { immediate: true, flush: 'sync' }
  )

  /** Opens a capture file on the engine's host; a recent one that has gone is taken off the list. */
  async function open(path: string): Promise<CaptureInfo | undefined> {
    const info = await run('open', splitPath(path).name, (t, signal) => t.call('capture.open', { path }, { signal }))
    if (info) {
      settings.rememberFile(info.path)
      show(info)
    } else if (outcome.value?.kind === 'error' && outcome.value.code === 'ENOENT' && settings.recent.includes(path)) {
      settings.forgetFile(path)
      outcome.value = { ...outcome.value, forgotten: true }
    }
    return info
  }

  /** Sends a file from this machine to the engine and opens it there. */
  async function upload(file: File): Promise<CaptureInfo | undefined> {
    const info = await run('upload', file.name, (t, signal) => {
      progress(0, file.size)
      return uploadCapture(t, file, { signal, onProgress: (done, total) => progress(done, total) })
    })
    if (info) show(info)
    return info
  }

  /**
   * Files dropped on the window or chosen in a file input: the desktop app knows where they
   * are and opens them there; a browser can only send their bytes.
   */
  async function openFiles(files: readonly File[]): Promise<void> {
    const shell = desktopShell()
    for (const file of files) {
      const path = shell?.pathForFile(file)
      const info = path ? await open(path) : await upload(file)
      if (!info) return
    }
  }

  /**
   * Saves the live capture at `path`. A capture already there is replaced only once the user
   * has said yes: the engine refuses with a token, and `question` asks (answered with
   * replace() or keep()). `confirmed`: the user has already said yes in a native save
   * dialog, so the token goes straight back.
   */
  async function save(path: string, opts: { confirmed?: boolean; confirm?: string } = {}): Promise<SavedCapture | undefined> {
    question.value = undefined
    const args = { path, ...(opts.confirm !== undefined ? { confirm: opts.confirm } : {}) }
    const saved = await run('save', splitPath(path).name, (t, signal) => t.call('capture.save', args, { signal }))
    if (saved) {
      settings.rememberFile(saved.path)
      outcome.value = { kind: 'saved', path: saved.path, connections: saved.connections }
    } else if (outcome.value?.kind === 'error' && outcome.value.code === 'EEXIST' && lastConfirm !== undefined) {
      const confirm = lastConfirm
      if (opts.confirmed && opts.confirm === undefined) return save(path, { confirm })
      question.value = { path, message: outcome.value.message, confirm }
      outcome.value = undefined
    }
    return saved
  }

  /** A copy of the live capture, as it is now, into the browser's downloads. */
  async function download(): Promise<boolean> {
    const name = downloadName()
    const got = await run('download', name, (t, signal) => downloadCapture(t, { signal, onProgress: (done, total) => progress(done, total) }))
    if (!got) return false
    offerDownload(got.blob, name)
    outcome.value = { kind: 'downloaded', name, connections: got.connections }
    return true
  }

  /** The user said yes to replacing the capture the question names. */
  function replace(): Promise<SavedCapture | undefined> {
    const q = question.value
    if (!q) return Promise.resolve(undefined)
    return save(q.path, { confirm: q.confirm })
  }

  /** The user said no: nothing is written. */
  function keep(): void {
    question.value = undefined
  }

  /** How far the operation under way got. */
  function progress(done: number, total: number, unit: Operation['unit'] = 'bytes'): void {
    if (operation.value) operation.value = { ...operation.value, done, total, unit }
  }

  function cancel(): void {
    if (!abort || !operation.value) return
    operation.value = { ...operation.value, cancelling: true }
    abort.abort()
  }

  function dismiss(): void {
    outcome.value = undefined
    question.value = undefined
  }

  /** Closes an opened capture file; the one on screen gives way to its neighbour. */
  async function close(id: string): Promise<void> {
    if (id === LIVE_CAPTURE) return
    const ids = engine.captures.map((c) => c.id)
    if (list.capture === id) {
      const at = ids.indexOf(id)
      list.capture = ids[at - 1] ?? ids[at + 1] ?? LIVE_CAPTURE
    }
    try {
      await engine.transport?.call('capture.close', { capture: id })
    } catch (err) {
      outcome.value = { kind: 'error', message: (err as Error).message }
    }
  }

  /** The previous (-1) or next (+1) open capture, round the end. */
  function switchCapture(step: 1 | -1): void {
    const ids = engine.captures.map((c) => c.id)
    if (ids.length < 2) return
    const at = Math.max(0, ids.indexOf(list.capture))
    list.capture = ids[(at + step + ids.length) % ids.length]
  }

  return { operation, outcome, question, busy, liveUnsaved, saveFolder, run, progress, open, upload, openFiles, save, download, replace, keep, cancel, dismiss, holdOutcome, close, switchCapture }
})

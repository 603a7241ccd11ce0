// The JSON payloads of the records an index is built from (open and owner records): what a
// writer puts in them, and how an index takes them back from a file, where they are hostile
// input. Both indexes (capture-index.ts in memory, stored-index.ts from a closed file) read
// them through here, so a bad one is dropped the same way by either.

import type { ConnectionKind, GapInfo, PeerAddress, ReplaySource } from '../../../shared/capture-types'
import { VIAS, type Via } from '../../../shared/tls-types'

export interface OpenInfo {
  kind: ConnectionKind
  ownerId: string
  client?: PeerAddress
  target: string
  /** A replay's connection: what it replayed. */
  replayOf?: ReplaySource
  /** A forward proxy's tunnel: how its client asked for `target`. */
  via?: Via
}

export interface OwnerInfo {
  event: 'start' | 'stop'
  id: string
  listen: string
  target: string
  /** How its connections are cut into messages (`--frame`), when it was given one. */
  frame?: string
}

/** A gap record's payload as a file gives it (hostile input): undefined unless two whole numbers, the size above 0. */
export function gapInfoOf(v: unknown): GapInfo | undefined {
  if (v === null || typeof v !== 'object') return undefined
  const { offset, bytes } = v as Partial<Record<keyof GapInfo, unknown>>
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  return whole(offset) && whole(bytes) && bytes > 0 ? { offset, bytes } : undefined
}

/** A gap's count of bytes not kept each way, as a stored index gives it (hostile input). */
export function notKeptOf(v: unknown): Record<'client' | 'server', number> | undefined {
  if (v === null || typeof v !== 'object') return undefined
  const { client, server } = v as Partial<Record<'client' | 'server', unknown>>
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  return whole(client) && whole(server) ? { client, server } : undefined
}

/** A replay source as a file or stored index gives it (hostile input): undefined unless well formed. */
export function replaySourceOf(v: unknown): ReplaySource | undefined {
  if (v === null || typeof v !== 'object') return undefined
  const o = v as Partial<Record<keyof ReplaySource, unknown>>
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  if (typeof o.capture !== 'string' || !whole(o.connId)) return undefined
  const source: ReplaySource = { capture: o.capture.slice(0, 256), connId: o.connId }
  if (typeof o.file === 'string') source.file = o.file.slice(0, 4096)
  if (whole(o.exchange)) source.exchange = o.exchange
  return source
}

/** How a tunnel was asked for, as a file gives it (hostile input): undefined unless one of VIAS. */
export function viaOf(v: unknown): Via | undefined {
  return VIAS.find((via) => via === v)
}

/** A proxy or session that owned connections, as its owner records tell: where it listened, and when. */
export interface OwnerRecord {
  id: string
  /** The real listening address (`HOST:PORT`, `[V6]:PORT` or a path). */
  listen: string
  target: string
  startedAt: number
  stoppedAt?: number
  /** Its `--frame`, as its start record said. */
  frame?: string
}

/** Keeps the latest owner record of each id: a proxy restarted under its id listens where it last said. */
export class OwnerTable {
  private readonly byId = new Map<string, OwnerRecord>()

  note(info: Partial<OwnerInfo>, time: number): void {
    if (typeof info.id !== 'string' || typeof info.listen !== 'string') return
    const known = this.byId.get(info.id)
    if (info.event === 'stop') {
      if (known !== undefined) known.stoppedAt = time
      else this.byId.set(info.id, { id: info.id, listen: info.listen, target: String(info.target ?? ''), startedAt: NaN, stoppedAt: time })
      return
    }
    const record: OwnerRecord = { id: info.id, listen: info.listen, target: String(info.target ?? ''), startedAt: time }
    if (typeof info.frame === 'string' && info.frame.length <= 256) record.frame = info.frame
    this.byId.set(info.id, record)
  }

  list(): OwnerRecord[] {
    return [...this.byId.values()].map((o) => ({ ...o }))
  }
}

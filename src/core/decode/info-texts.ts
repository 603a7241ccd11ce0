// What a plain filter word is looked for in, of decoding: each connection's Info words
// (shared/info-words.ts), lower-cased. Each is kept on its connection until what the list shows
// of it changes (an exchange added or answered: CaptureDecoding drops it; a framing chosen:
// moved()), and all of them are joined into one text (shared/joined-texts.ts), which a new word
// is looked for in at once: a few ms over 100,000 connections where a test of each took about
// 100. The join is made again once decoding's version moved or a connection came. Once a
// file's decoding is done, both are made ahead of the first word, a slice at a time (prepare):
// made by that word instead, they took it about 300 ms over 100,000 connections.

import { infoWords } from '../../shared/info-words'
import { JoinedTexts } from '../../shared/joined-texts'
import { inSlices } from '../../shared/in-slices'
import type { ConnDecoding } from './conn-decoding'
import type { ExchangeTable } from './exchange-table'

export class InfoTexts {
  /** Counts moved(): a connection's text made before the last is made again. */
  private framings = 0
  /** Every connection's text joined, as of a version of decoding. */
  private joined: { version: number; ids: Int32Array; texts: JoinedTexts } | undefined
  /** The version prepare() last began on, and how to stop it. */
  private prepared = -1
  private preparing: (() => void) | undefined

  constructor(
    private readonly conns: ReadonlyMap<number, ConnDecoding>,
    private readonly table: ExchangeTable
  ) {}

  /** A framing was chosen: what rows say changed, each text is made again. */
  moved(): void {
    this.framings++
  }

  /** The connection's Info words, lower-cased; made again only once its summary changed. */
  text(c: ConnDecoding): string {
    if (c.infoText === undefined || c.infoFramings !== this.framings) {
      const s = c.summary(this.table)
      c.infoText = s === undefined ? '' : infoWords(s).toLowerCase()
      c.infoFramings = this.framings
    }
    return c.infoText
  }

  /** The connections whose text holds `word` (lower case), as a test of ids; undefined for a word to test one by one. */
  holding(word: string, version: number): ((connId: number) => boolean) | undefined {
    const j = this.join(version)
    const found = j.texts.holding(word)
    return found && idsOf(found, j.ids)
  }

  /**
   * Makes every connection's text, PREPARE_ROWS at a time in turns of the event loop, then
   * their join, unless decoding moves from `version` meanwhile (`now` says where it is); once
   * a version, and only for PREPARE_MIN_CONNS and more. A word asked meanwhile makes what is
   * left itself.
   */
  prepare(version: number, now: () => number): void {
    if (this.conns.size < PREPARE_MIN_CONNS || this.prepared === version) return
    this.prepared = version
    this.stop()
    const conns = Array.from(this.conns.values())
    let i = 0
    this.preparing = inSlices(() => {
      if (now() !== version) return true
      for (const end = Math.min(conns.length, i + PREPARE_ROWS); i < end; i++) this.text(conns[i])
      if (i < conns.length) return false
      this.join(version)
      return true
    })
  }

  /** Stops prepare() (decoding closed). */
  stop(): void {
    this.preparing?.()
    this.preparing = undefined
  }

  private join(version: number): { version: number; ids: Int32Array; texts: JoinedTexts } {
    const j = this.joined
    if (j !== undefined && j.version === version && j.ids.length === this.conns.size) return j
    const ids = new Int32Array(this.conns.size)
    const texts = new Array<string>(this.conns.size)
    let i = 0
    for (const [id, c] of this.conns) {
      ids[i] = id
      texts[i++] = this.text(c)
    }
    return (this.joined = { version, ids, texts: new JoinedTexts(texts) })
  }
}

/** Connections whose text prepare() makes in one turn: about 10 ms of the engine's thread. */
const PREPARE_ROWS = 5_000
/** Connections from which prepare() makes their texts ahead: for fewer, a first word takes a few ms. */
const PREPARE_MIN_CONNS = 10_000

/**
 * The ids of the connections marked in `found` (by their place in `ids`), as a test: a byte per
 * id up to the largest where ids are about dense, as a capture's are (1, 2, 3 ...), else a set.
 */
function idsOf(found: Uint8Array, ids: Int32Array): (connId: number) => boolean {
  let max = 0
  for (let i = 0; i < ids.length; i++) if (ids[i] > max) max = ids[i]
  if (max <= 4 * ids.length + 65_536) {
    const byId = new Uint8Array(max + 1)
    for (let i = 0; i < found.length; i++) if (found[i] === 1) byId[ids[i]] = 1
    return (connId) => byId[connId] === 1
  }
  const set = new Set<number>()
  for (let i = 0; i < found.length; i++) if (found[i] === 1) set.add(ids[i])
  return (connId) => set.has(connId)
}

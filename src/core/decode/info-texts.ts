// What a plain filter word is looked for in, of decoding: each connection's Info words
// (shared/info-words.ts), lower-cased. Each is kept on its connection until what the list shows
// of it changes (an exchange added or answered: CaptureDecoding drops it; a framing chosen:
// moved()), and all of them are joined into one text (shared/joined-texts.ts), which a new word
// is looked for in at once: a few ms over 100,000 connections where a test of each took about
// 100. The join is made again once decoding's version moved or a connection came.

import { infoWords } from '../../shared/info-words'
import { JoinedTexts } from '../../shared/joined-texts'
import type { ConnDecoding } from './conn-decoding'
import type { ExchangeTable } from './exchange-table'

export class InfoTexts {
  /** Counts moved(): a connection's text made before the last is made again. */
  private framings = 0
  /** Every connection's text joined, as of a version of decoding. */
  private joined: { version: number; ids: Int32Array; texts: JoinedTexts } | undefined

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
    let j = this.joined
    if (j === undefined || j.version !== version || j.ids.length !== this.conns.size) {
      const ids = new Int32Array(this.conns.size)
      const texts = new Array<string>(this.conns.size)
      let i = 0
      for (const [id, c] of this.conns) {
        ids[i] = id
        texts[i++] = this.text(c)
      }
      j = this.joined = { version, ids, texts: new JoinedTexts(texts) }
    }
    const found = j.texts.holding(word)
    return found && idsOf(found, j.ids)
  }
}

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

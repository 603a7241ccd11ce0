// A stored index's endpoints for plain filter words: each row's target (lower case) and its
// three peers, joined in one text (shared/joined-texts.ts) so a word is looked for in every
// row at once; and its clients alone, for `client:` words. A stored index does not change, so
// they are joined once: by the first word, or ahead of it in the background once the list is
// looked at.

import { JoinedTexts, PART } from '../../../shared/joined-texts'
import { inSlices } from '../../../shared/in-slices'
import type { RowFields } from './index-view'

/** Rows from which prepare() joins ahead of a first plain word (for fewer, that word takes a few ms). */
const PREPARE_MIN_ROWS = 10_000
/** Rows whose endpoints prepare() writes out in one turn: about 5 ms of the engine's thread. */
const ENDPOINT_ROWS = 5_000

/** Each row's endpoints, and its client alone, as write() makes them. */
interface RowTexts {
  endpoints: string[]
  clients: string[]
}

export class StoredEndpoints {
  private joined: JoinedTexts | undefined
  /** Each row's client (peerText), for `client:` words: tested row by row, `client:127.0.0.1:4` took 60-75 ms over 100,000 rows the first time. */
  private clients: JoinedTexts | undefined
  /** prepare() began (or release() came first). */
  private begun = false
  /** Stops prepare()'s slices. */
  private stop: (() => void) | undefined

  /** `fields` answer for every row (the index is loaded whole). */
  constructor(
    private readonly size: number,
    private readonly fields: RowFields
  ) {}

  /** Rows holding `word` (JoinedTexts.holding); joined now if they are not yet. */
  holding(word: string): Uint8Array | undefined {
    if (this.joined === undefined) {
      const texts = this.texts()
      this.write(texts, 0, this.size)
      this.join(texts)
    }
    return this.joined?.holding(word)
  }

  /**
   * Rows whose client holds `word` (JoinedTexts.holding), once joined (by prepare() or a plain
   * word); undefined before, and the rows are tested one by one: a join made for one word
   * takes longer than that test.
   */
  clientHolding(word: string): Uint8Array | undefined {
    return this.clients?.holding(word)
  }

  /**
   * The join made in the background, ENDPOINT_ROWS at a time, for PREPARE_MIN_ROWS rows and
   * more: made by the first plain word instead, it took that word about 100 ms over 100,000
   * rows. A word asked meanwhile makes the join itself.
   */
  prepare(): void {
    if (this.begun || this.size < PREPARE_MIN_ROWS) return
    this.begun = true
    const texts = this.texts()
    let row = 0
    this.stop = inSlices(() => {
      if (this.joined !== undefined) return true
      const end = Math.min(this.size, row + ENDPOINT_ROWS)
      this.write(texts, row, end)
      row = end
      if (row < this.size) return false
      this.join(texts)
      return true
    })
  }

  /** The file is closed: what prepare() has left to make is not made, and what it made is let go. */
  release(): void {
    this.stop?.()
    this.begun = true
    this.joined = undefined
    this.clients = undefined
  }

  private texts(): RowTexts {
    return { endpoints: new Array<string>(this.size), clients: new Array<string>(this.size) }
  }

  /** Writes out rows [from, to): each row's client once, for both texts. */
  private write(texts: RowTexts, from: number, to: number): void {
    const f = this.fields
    for (let row = from; row < to; row++) {
      const client = (texts.clients[row] = f.peerText(row, 'client'))
      texts.endpoints[row] = f.target(row).toLowerCase() + PART + client + PART + f.peerText(row, 'remote') + PART + f.peerText(row, 'local')
    }
  }

  /** Both joins, once every row is written out. */
  private join(texts: RowTexts): void {
    this.joined = new JoinedTexts(texts.endpoints)
    this.clients = new JoinedTexts(texts.clients)
  }
}

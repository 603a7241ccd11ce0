// A stored index's endpoints for plain filter words: each row's target (lower case) and its
// three peers, joined in one text (shared/joined-texts.ts) so a word is looked for in every
// row at once. A stored index does not change, so they are joined once: by the first word,
// or ahead of it in the background once the list is looked at.

import { JoinedTexts, PART } from '../../../shared/joined-texts'
import { inSlices } from '../../../shared/in-slices'
import type { RowFields } from './index-view'

/** Rows from which prepare() joins ahead of a first plain word (for fewer, that word takes a few ms). */
const PREPARE_MIN_ROWS = 10_000
/** Rows whose endpoints prepare() writes out in one turn: about 5 ms of the engine's thread. */
const ENDPOINT_ROWS = 5_000

export class StoredEndpoints {
  private joined: JoinedTexts | undefined
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
    return (this.joined ??= this.join()).holding(word)
  }

  /**
   * The join made in the background, ENDPOINT_ROWS at a time, for PREPARE_MIN_ROWS rows and
   * more: made by the first plain word instead, it took that word about 100 ms over 100,000
   * rows. A word asked meanwhile makes the join itself.
   */
  prepare(): void {
    if (this.begun || this.size < PREPARE_MIN_ROWS) return
    this.begun = true
    const texts = new Array<string>(this.size)
    let row = 0
    this.stop = inSlices(() => {
      if (this.joined !== undefined) return true
      for (const end = Math.min(this.size, row + ENDPOINT_ROWS); row < end; row++) texts[row] = this.text(row)
      if (row < this.size) return false
      this.joined = new JoinedTexts(texts)
      return true
    })
  }

  /** The file is closed: what prepare() has left to make is not made, and what it made is let go. */
  release(): void {
    this.stop?.()
    this.begun = true
    this.joined = undefined
  }

  private join(): JoinedTexts {
    const texts = new Array<string>(this.size)
    for (let row = 0; row < this.size; row++) texts[row] = this.text(row)
    return new JoinedTexts(texts)
  }

  private text(row: number): string {
    const f = this.fields
    return f.target(row).toLowerCase() + PART + f.peerText(row, 'client') + PART + f.peerText(row, 'remote') + PART + f.peerText(row, 'local')
  }
}

// Many short texts searched as one. A filter's plain word is looked for in every connection's
// endpoints and Info words: with an includes() per text, about 1 µs each, 100 ms a word over
// 100,000 connections. Joined once into one string, a word is found with indexOf over it,
// which skips to the next text after each hit: a few ms. What is joined is kept by its owner
// while its texts stay the same.

/** Ends each text. A text may hold it too (its bytes were read, not written): see holding(). */
const END = '\n'
/** Parts of one text may be put apart by it, so that no word is found across two parts. */
export const PART = '\u0000'

export class JoinedTexts {
  private readonly text: string
  /** Where each text starts in `text`, and (last) its length. */
  private readonly starts: Int32Array

  constructor(texts: readonly string[]) {
    const starts = new Int32Array(texts.length + 1)
    let length = 0
    for (let i = 0; i < texts.length; i++) {
      starts[i] = length
      length += texts[i].length + 1
    }
    starts[texts.length] = length
    this.starts = starts
    this.text = texts.length === 0 ? '' : texts.join(END) + END
  }

  get count(): number {
    return this.starts.length - 1
  }

  /**
   * For each text, 1 where it holds `word`; undefined for a word this cannot look for (an
   * empty one, or one holding END or PART), which the caller tests text by text. A word
   * without END cannot be found across two texts, whatever they hold.
   */
  holding(word: string): Uint8Array | undefined {
    if (word === '' || word.includes(END) || word.includes(PART)) return undefined
    const { text, starts } = this
    const found = new Uint8Array(this.count)
    // Hits come in order: the text holding each is found by walking on from the last one's,
    // so a search costs the string's scan and one step per text at most.
    let i = 0
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, starts[i + 1])) {
      while (starts[i + 1] <= at) i++
      found[i] = 1
    }
    return found
  }
}

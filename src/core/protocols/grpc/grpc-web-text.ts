// gRPC-Web's text mode (`application/grpc-web-text`): the framed bytes in base64, a piece
// at a time. A server may encode each flush on its own, so padding can end a 4-character
// group in the middle of the body: every group is decoded by itself. Whitespace is
// skipped; any other character outside the alphabet stops it, with the offset it was at.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const VALUE = new Int8Array(256).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i
// The URL-safe alphabet's two, which some gRPC-Web clients send.
VALUE[0x2d] = 62
VALUE[0x5f] = 63
const PAD = 0x3d

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

export class Base64Pieces {
  /** Where it stopped: a character that is not base64. */
  problem: { offset: number; message: string } | undefined
  private readonly group = new Uint8Array(4)
  private have = 0
  private seen = 0

  /** The bytes the next piece of text decodes to (a group split across pieces waits for its rest). */
  push(text: Uint8Array): Uint8Array {
    const out = new Uint8Array(Math.ceil((text.length + this.have) / 4) * 3)
    let o = 0
    for (let i = 0; i < text.length && !this.problem; i++) {
      const c = text[i]
      if (isSpace(c)) continue
      if (c !== PAD && VALUE[c] < 0) {
        this.problem = { offset: this.seen + i, message: `byte ${this.seen + i} of the gRPC-Web text body (0x${c.toString(16)}) is not base64` }
        break
      }
      this.group[this.have++] = c
      if (this.have < 4) continue
      this.have = 0
      o = this.decodeGroup(out, o, this.seen + i)
    }
    this.seen += text.length
    return out.subarray(0, o)
  }

  /** Whether text ended inside a 4-character group. */
  get partial(): boolean {
    return this.have > 0
  }

  private decodeGroup(out: Uint8Array, o: number, at: number): number {
    const g = this.group
    const pads = (g[3] === PAD ? 1 : 0) + (g[2] === PAD ? 1 : 0)
    if (g[0] === PAD || g[1] === PAD || (g[2] === PAD && g[3] !== PAD)) {
      this.problem = { offset: at, message: `the gRPC-Web text body has padding in the wrong place near byte ${at}` }
      return o
    }
    const n = (VALUE[g[0]] << 18) | (VALUE[g[1]] << 12) | ((pads < 2 ? VALUE[g[2]] : 0) << 6) | (pads < 1 ? VALUE[g[3]] : 0)
    out[o++] = n >> 16
    if (pads < 2) out[o++] = (n >> 8) & 0xff
    if (pads < 1) out[o++] = n & 0xff
    return o
  }
}

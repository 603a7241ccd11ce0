// A device's frame decoded by a script: the same frames as examples/ksy/device-frame.ksy
// (a magic 0xAA 0x55, a kind, a sequence number, a body length, the body, a checksum), for
// when a .ksy cannot say what you need. Use it with
//   tcpscope proxy --listen :9000 --target device:9000 --frame script:examples/script/device-frame.js
// See docs/own-protocols.md, "A script decoder".

const HEADER = 7 // magic (2), kind (1), seq_no (2), body_len (2)
const KINDS = { 1: 'hello', 2: 'reading', 3: 'ack' }
const UNITS = { 0: 'celsius', 1: 'percent', 2: 'pascal' }

const u16 = (b, at) => (b[at] << 8) | b[at + 1]
const s16 = (b, at) => (u16(b, at) << 16) >> 16

/** How long the next message is: its length, `null` for "need more", or `{ skip }` for bytes that are no frame. */
export function frame(bytes) {
  if (bytes.length < 2) return null
  if (bytes[0] !== 0xaa || bytes[1] !== 0x55) {
    // Not a frame's start: skip to the next 0xAA, where one may start.
    const next = bytes.indexOf(0xaa, 1)
    return { skip: next < 0 ? bytes.length : next, error: 'no 0xAA 0x55 magic here' }
  }
  if (bytes.length < HEADER) return { need: HEADER }
  return HEADER + u16(bytes, 5) + 1
}

/** One frame for a person: a summary line and its fields, each with the bytes it came from. */
export function describe(msg) {
  const kind = msg[2]
  const bodyLen = u16(msg, 5)
  const body = msg.subarray(HEADER, HEADER + bodyLen)
  const sum = body.reduce((a, b) => (a + b) & 0xff, 0)
  const checksum = msg[HEADER + bodyLen]
  const fields = [
    { name: 'magic', value: msg.subarray(0, 2), offset: 0, length: 2 },
    { name: 'kind', value: `${KINDS[kind] ?? 'unknown'} (${kind})`, offset: 2, length: 1 },
    { name: 'seq_no', value: u16(msg, 3), offset: 3, length: 2 },
    { name: 'body_len', value: bodyLen, offset: 5, length: 2 },
    { name: 'body', value: KINDS[kind] ?? 'bytes', offset: HEADER, length: bodyLen, children: bodyFields(kind, body) },
    { name: 'checksum', value: checksum === sum ? `${checksum} (good)` : `${checksum} (bad: the body sums to ${sum})`, offset: HEADER + bodyLen, length: 1 }
  ]
  return { summary: `${KINDS[kind] ?? `kind ${kind}`} #${u16(msg, 3)}${kind === 2 ? ` ${s16(body, 2) / 100}°` : ''}`, fields }
}

/** The body's fields, their offsets from the frame's first byte. */
function bodyFields(kind, body) {
  const at = (n) => HEADER + n
  if (kind === 1) {
    const end = body.indexOf(0)
    const name = new TextDecoder().decode(body.subarray(0, end < 0 ? body.length : end))
    return [
      { name: 'device_name', value: name, offset: at(0), length: end < 0 ? body.length : end + 1 },
      { name: 'firmware', value: Array.from(body.subarray(end + 1, end + 4)).join('.'), offset: at(end + 1), length: 3 }
    ]
  }
  if (kind === 2) {
    const count = body[4]
    return [
      { name: 'sensor', value: body[0], offset: at(0), length: 1 },
      { name: 'unit', value: `${UNITS[body[1]] ?? 'unknown'} (${body[1]})`, offset: at(1), length: 1 },
      { name: 'temperature_centi', value: s16(body, 2), offset: at(2), length: 2 },
      { name: 'sample_count', value: count, offset: at(4), length: 1 },
      { name: 'samples', value: `[${count}]`, offset: at(5), length: count * 2, children: Array.from({ length: count }, (_, i) => ({ name: `[${i}]`, value: u16(body, 5 + i * 2), offset: at(5 + i * 2), length: 2 })) }
    ]
  }
  if (kind === 3) {
    return [
      { name: 'acked_seq', value: u16(body, 0), offset: at(0), length: 2 },
      { name: 'status', value: body[2], offset: at(2), length: 1 }
    ]
  }
  return []
}

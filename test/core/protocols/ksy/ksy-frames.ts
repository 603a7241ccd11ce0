// Test helpers: frames of the example `.ksy` files (examples/ksy/), built byte by byte as a
// device or peer would send them.

import { resolve } from 'node:path'

export const EXAMPLES = resolve(__dirname, '../../../../examples/ksy')
export const DEVICE_KSY = resolve(EXAMPLES, 'device-frame.ksy')
export const TLV_KSY = resolve(EXAMPLES, 'tlv.ksy')
export const GAME_KSY = resolve(EXAMPLES, 'game-packet.ksy')

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff]

/** A device frame: magic, kind, sequence number, body length, body, checksum (the body's sum). */
export function deviceFrame(kind: number, seq: number, body: number[]): Uint8Array {
  const sum = body.reduce((a, b) => (a + b) & 0xff, 0)
  return Uint8Array.from([0xaa, 0x55, kind, ...u16(seq), ...u16(body.length), ...body, sum])
}

/** A reading: sensor, unit, temperature (hundredths, signed), samples. */
export function reading(seq: number, sensor: number, temperatureCenti: number, samples: number[]): Uint8Array {
  return deviceFrame(2, seq, [sensor, 0, ...u16(temperatureCenti & 0xffff), samples.length, ...samples.flatMap(u16)])
}

export function hello(seq: number, name: string, firmware: [number, number, number]): Uint8Array {
  return deviceFrame(1, seq, [...Buffer.from(name, 'utf8'), 0, ...firmware])
}

export function ack(seq: number, acked: number, status: number): Uint8Array {
  return deviceFrame(3, seq, [...u16(acked), status])
}

export const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))

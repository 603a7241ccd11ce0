// MQTT's names for what its bytes mean (https://docs.oasis-open.org/mqtt/mqtt/v5.0/mqtt-v5.0.html
// and v3.1.1): control packet types, MQTT 5's properties with how each value is encoded, and
// the reason and return codes, so a packet reads as the specification names it.

export const PACKET_TYPES = ['reserved (0)', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'] as const

export const CONNECT = 1
export const CONNACK = 2
export const PUBLISH = 3
export const PUBACK = 4
export const PUBREC = 5
export const PUBREL = 6
export const PUBCOMP = 7
export const SUBSCRIBE = 8
export const SUBACK = 9
export const UNSUBSCRIBE = 10
export const UNSUBACK = 11
export const PINGREQ = 12
export const PINGRESP = 13
export const DISCONNECT = 14
export const AUTH = 15

/** How a property's value is encoded on the wire. */
export type PropertyKind = 'byte' | 'u16' | 'u32' | 'varint' | 'utf8' | 'binary' | 'pair'

export const PROPERTIES: Record<number, { name: string; kind: PropertyKind }> = {
  0x01: { name: 'Payload Format Indicator', kind: 'byte' },
  0x02: { name: 'Message Expiry Interval', kind: 'u32' },
  0x03: { name: 'Content Type', kind: 'utf8' },
  0x08: { name: 'Response Topic', kind: 'utf8' },
  0x09: { name: 'Correlation Data', kind: 'binary' },
  0x0b: { name: 'Subscription Identifier', kind: 'varint' },
  0x11: { name: 'Session Expiry Interval', kind: 'u32' },
  0x12: { name: 'Assigned Client Identifier', kind: 'utf8' },
  0x13: { name: 'Server Keep Alive', kind: 'u16' },
  0x15: { name: 'Authentication Method', kind: 'utf8' },
  0x16: { name: 'Authentication Data', kind: 'binary' },
  0x17: { name: 'Request Problem Information', kind: 'byte' },
  0x18: { name: 'Will Delay Interval', kind: 'u32' },
  0x19: { name: 'Request Response Information', kind: 'byte' },
  0x1a: { name: 'Response Information', kind: 'utf8' },
  0x1c: { name: 'Server Reference', kind: 'utf8' },
  0x1f: { name: 'Reason String', kind: 'utf8' },
  0x21: { name: 'Receive Maximum', kind: 'u16' },
  0x22: { name: 'Topic Alias Maximum', kind: 'u16' },
  0x23: { name: 'Topic Alias', kind: 'u16' },
  0x24: { name: 'Maximum QoS', kind: 'byte' },
  0x25: { name: 'Retain Available', kind: 'byte' },
  0x26: { name: 'User Property', kind: 'pair' },
  0x27: { name: 'Maximum Packet Size', kind: 'u32' },
  0x28: { name: 'Wildcard Subscription Available', kind: 'byte' },
  0x29: { name: 'Subscription Identifier Available', kind: 'byte' },
  0x2a: { name: 'Shared Subscription Available', kind: 'byte' }
}

/** MQTT 5's reason codes; 0x00 reads by the packet it is in (below). */
const REASONS: Record<number, string> = {
  0x01: 'Granted QoS 1',
  0x02: 'Granted QoS 2',
  0x04: 'Disconnect with Will Message',
  0x10: 'No matching subscribers',
  0x11: 'No subscription existed',
  0x18: 'Continue authentication',
  0x19: 'Re-authenticate',
  0x80: 'Unspecified error',
  0x81: 'Malformed Packet',
  0x82: 'Protocol Error',
  0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password',
  0x87: 'Not authorized',
  0x88: 'Server unavailable',
  0x89: 'Server busy',
  0x8a: 'Banned',
  0x8b: 'Server shutting down',
  0x8c: 'Bad authentication method',
  0x8d: 'Keep Alive timeout',
  0x8e: 'Session taken over',
  0x8f: 'Topic Filter invalid',
  0x90: 'Topic Name invalid',
  0x91: 'Packet Identifier in use',
  0x92: 'Packet Identifier not found',
  0x93: 'Receive Maximum exceeded',
  0x94: 'Topic Alias invalid',
  0x95: 'Packet too large',
  0x96: 'Message rate too high',
  0x97: 'Quota exceeded',
  0x98: 'Administrative action',
  0x99: 'Payload format invalid',
  0x9a: 'Retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'Use another server',
  0x9d: 'Server moved',
  0x9e: 'Shared Subscriptions not supported',
  0x9f: 'Connection rate exceeded',
  0xa0: 'Maximum connect time',
  0xa1: 'Subscription Identifiers not supported',
  0xa2: 'Wildcard Subscriptions not supported'
}

const hexByte = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`

/** An MQTT 5 reason code by name: 0x00 is "Success", "Normal disconnection" or "Granted QoS 0" by packet. */
export function reasonName(type: number, code: number): string {
  if (code === 0) return type === DISCONNECT ? 'Normal disconnection' : type === SUBACK ? 'Granted QoS 0' : 'Success'
  return REASONS[code] ?? `unknown reason ${hexByte(code)}`
}

const CONNACK_311 = ['Connection Accepted', 'Connection Refused: unacceptable protocol version', 'Connection Refused: identifier rejected', 'Connection Refused: server unavailable', 'Connection Refused: bad user name or password', 'Connection Refused: not authorized']

/** MQTT 3.1.1's CONNACK return code by name. */
export const connackReturnName = (code: number): string => CONNACK_311[code] ?? `unknown return code ${hexByte(code)}`

/** MQTT 3.1.1's SUBACK return code by name. */
export const subackReturnName = (code: number): string => (code <= 2 ? `Granted QoS ${code}` : code === 0x80 ? 'Failure' : `unknown return code ${hexByte(code)}`)

/** The protocol level as people name the version. */
export const versionName = (level: number): string => (level === 5 ? '5' : level === 4 ? '3.1.1' : level === 3 ? '3.1' : `level ${level}`)

// Every protocol whose messages tcpscope decodes, registered once: its codec, the ports it
// is known by, and how its first bytes give it away. Recognising needs only the start of
// each stream (MAX_RECOGNISE_BYTES); a protocol that cannot be told from its bytes alone
// (Modbus, DNS) is recognised by its port, or chosen with "decode as".

import type { FrameSpec, MessageProtocol } from '../../../shared/message-types'
import type { MessageCodec } from './message-codec'
import { plainCodec } from './plain-framings'
import { respCodec } from '../resp/resp-codec'
import { recogniseResp } from '../resp/resp-recognise'
import { postgresCodec, recognisePostgres } from '../postgres/pg-codec'
import { mysqlCodec, recogniseMysql } from '../mysql/mysql-codec'
import { mqttCodec, recogniseMqtt } from '../mqtt/mqtt-codec'
import { modbusCodec, recogniseModbus } from '../modbus/modbus-codec'
import { dnsCodec, recogniseDns } from '../dns/dns-codec'

export interface MessageDecoder {
  protocol: MessageProtocol
  codec: MessageCodec
  /** Well-known ports of its servers. */
  ports: readonly number[]
  /**
   * Whether a connection's first bytes are this protocol's: `client` what the client sent
   * first, `server` what the server sent before the client said anything (for protocols
   * whose server speaks first). `true`, `false`, or `undefined` while too few bytes tell;
   * `final`: no more bytes will come (a side ended, or enough were seen), decide with these.
   */
  recognise(client: Uint8Array, server: Uint8Array, final?: boolean): boolean | undefined
}

/** Bytes of each stream looked at, at most, to recognise a protocol. */
export const MAX_RECOGNISE_BYTES = 512

export const MESSAGE_DECODERS: readonly MessageDecoder[] = [
  { protocol: 'resp', codec: respCodec, ports: [6379], recognise: recogniseResp },
  { protocol: 'postgres', codec: postgresCodec, ports: [5432], recognise: recognisePostgres },
  { protocol: 'mysql', codec: mysqlCodec, ports: [3306], recognise: recogniseMysql },
  // 8883 is MQTT over TLS: its first bytes are a ClientHello, not a CONNECT.
  { protocol: 'mqtt', codec: mqttCodec, ports: [1883], recognise: recogniseMqtt },
  { protocol: 'modbus', codec: modbusCodec, ports: [502], recognise: recogniseModbus },
  { protocol: 'dns', codec: dnsCodec, ports: [53], recognise: recogniseDns }
]

export function messageDecoder(protocol: MessageProtocol): MessageDecoder | undefined {
  return MESSAGE_DECODERS.find((d) => d.protocol === protocol)
}

/**
 * Where `ksy:` codecs come from: the `.ksy` files the engine loaded (src/core/ksy/ksy-registry.ts
 * sets it when it loads). Decoders read no files, so the engine hands them the compiled ones.
 */
let ksyCodecs: ((spec: Extract<FrameSpec, { kind: 'ksy' }>) => MessageCodec | undefined) | undefined
export function setKsyCodecs(source: typeof ksyCodecs): void {
  ksyCodecs = source
}

/** Where `script:` codecs come from: the scripts the engine loaded, each in a thread of its own (src/core/script-framing/). */
let scriptCodecs: ((spec: Extract<FrameSpec, { kind: 'script' }>) => MessageCodec | undefined) | undefined
export function setScriptCodecs(source: typeof scriptCodecs): void {
  scriptCodecs = source
}

/** The codec a framing spec names; undefined for `none` (or a protocol not decoded yet, or a `.ksy` or script not loaded). */
export function codecFor(spec: FrameSpec): MessageCodec | undefined {
  if (spec.kind === 'none') return undefined
  if (spec.kind === 'protocol') return messageDecoder(spec.protocol)?.codec
  if (spec.kind === 'ksy') return ksyCodecs?.(spec)
  if (spec.kind === 'script') return scriptCodecs?.(spec)
  return plainCodec(spec)
}

/**
 * The protocol a connection's first bytes (and its server's port) say it carries. Bytes
 * decide before a port does: redis on port 8080 is still redis. Undefined while nothing
 * fits. `final`: no more bytes will come (recognisers that wait for an answer decide).
 */
export function recogniseMessages(client: Uint8Array, server: Uint8Array, port: number | undefined, final = true): MessageProtocol | undefined {
  for (const d of MESSAGE_DECODERS) if (d.recognise(client, server, final) === true) return d.protocol
  if (port !== undefined) for (const d of MESSAGE_DECODERS) if (d.ports.includes(port) && d.recognise(client, server, final) !== false) return d.protocol
  return undefined
}

/**
 * What a connection carries once its first bytes can tell: a protocol, `null` for none, or
 * `undefined` while one of them waits for more (an inline redis line for its server's answer)
 * and more may come: not `final`, and fewer than MAX_RECOGNISE_BYTES of each side seen.
 */
export function carriedProtocol(client: Uint8Array, server: Uint8Array, port: number | undefined, final: boolean): MessageProtocol | null | undefined {
  const ended = final || client.length >= MAX_RECOGNISE_BYTES || server.length >= MAX_RECOGNISE_BYTES
  const answers = MESSAGE_DECODERS.map((d) => d.recognise(client, server, ended))
  const yes = answers.indexOf(true)
  if (yes >= 0) return MESSAGE_DECODERS[yes].protocol
  if (!ended && answers.some((a) => a === undefined)) return undefined
  // As recogniseMessages decides, from the answers already given: each recogniser looked once.
  const byPort = port === undefined ? -1 : MESSAGE_DECODERS.findIndex((d, i) => d.ports.includes(port) && answers[i] !== false)
  return byPort >= 0 ? MESSAGE_DECODERS[byPort].protocol : null
}

// Types for intercepting-peers.mjs, which the tests share with the bench.
import type { ProxyProcess, Stopped } from './proc.mjs'

/** Where the client reaches each proxy (IPv6's loopback; see intercepting-peers.mjs). */
export const CLIENT_LEG: string
export type PeerCase = 'tcpscope' | 'mockttp' | 'mitmdump-w' | 'mitmdump' | 'mitmdump-stream'
export const PEER_CASES: Record<PeerCase, string>
export function requirePeers(cases: string[]): Promise<void>
export interface PeerContext {
  cli: string
  dataDir: string
  tcpscopeCa?: string
  upstreamCa: string
  tmp: string
}
export function startPeer(kase: PeerCase, ctx: PeerContext, file: string): Promise<{ proxy: ProxyProcess; ca: string; file: string | undefined }>
export function checkRecording(kase: PeerCase, stop: Stopped, file: string | undefined, got: { requests: number; bodyBytes: number; streamed?: boolean }): string[]
export function readCa(path: string): string

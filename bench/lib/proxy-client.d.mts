// Types for proxy-client.mjs, which the tests share with the bench.
import type { Agent } from 'node:http'

export interface Origin {
  scheme: 'http' | 'https'
  host: string
  port: number
}
export function proxyAgent(o: { proxy: { host: string; port: number }; origin: Origin; ca?: string; keepAlive: boolean; maxSockets: number }): Agent
export function getLoop(o: { agent: Agent; path: string; size: number; connections: number; seconds?: number; count?: number; samples?: boolean; stallMs?: number }): Promise<{ requests: number; seconds: number; perSecond: number; bytes: number; p50Us?: number; p99Us?: number }>
export function checkedDownload(o: { agent: Agent; path: string; size: number; limitSeconds: number; stallMs?: number }): Promise<{ timedOut: boolean; bytes: number; seconds: number; mibps?: number }>

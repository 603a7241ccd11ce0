// What the gRPC view shows of the chosen exchange: its call (method, status) and both sides'
// messages merged in the order they were sent, each with its protobuf field tree as the
// engine decoded it; and the .proto files the engine names fields by. A call's messages are
// read a page a side at a time up to SHOWN_MAX each (a stream of more says how many it has);
// a live call is read again when the engine says its connection changed.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { GRPC_MAX_PAGE, type GrpcCall, type GrpcMessage, type GrpcProtoSet } from '../../../../shared/grpc-types'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

/** Messages read at most of one side: a streaming call of more lists its first ones and says so. */
export const SHOWN_MAX = 2000

type Part = 'request' | 'response'

export interface GrpcSide {
  messages: GrpcMessage[]
  total: number
  complete: boolean
  problems: string[]
  schemaNote?: string
}

/** Both sides' messages by when they started; the request's first on a tie (it was sent first). */
export function mergedMessages(request: GrpcMessage[], response: GrpcMessage[]): GrpcMessage[] {
  return [...request, ...response].sort((a, b) => a.startedAt - b.startedAt || (a.dir === b.dir ? a.index - b.index : a.dir === 'client' ? -1 : 1))
}

export const useGrpcStore = defineStore('grpc', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()

  const call = shallowRef<GrpcCall>()
  const sides = shallowRef<Partial<Record<Part, GrpcSide>>>({})
  const error = ref<string>()
  const loading = ref(false)
  /** The exchange read (`capture:conn:exchange`), so a late answer for another is dropped. */
  const shownKey = ref<string>()
  const shownExchange = ref<number>()
  /** The message chosen, as its position in `messages`. */
  const selected = ref<number>()
  const protos = shallowRef<GrpcProtoSet>()
  const protoError = ref<string>()
  const protoLoading = ref(false)
  /** The files asked for (the engine's set also lists their imports): a load adds one to them. */
  const protoPaths = ref<string[]>([])

  const messages = computed(() => mergedMessages(sides.value.request?.messages ?? [], sides.value.response?.messages ?? []))
  const problems = computed(() => [...(sides.value.request?.problems ?? []), ...(sides.value.response?.problems ?? [])])
  const schemaNote = computed(() => sides.value.request?.schemaNote ?? sides.value.response?.schemaNote)
  /** Messages the engine found that are not read here (past SHOWN_MAX on a side). */
  const unread = computed(() => (['request', 'response'] as const).reduce((n, p) => n + Math.max(0, (sides.value[p]?.total ?? 0) - (sides.value[p]?.messages.length ?? 0)), 0))

  async function readSide(where: { capture: string; connId: number; exchange: number }, part: Part): Promise<GrpcSide & { call: GrpcCall }> {
    const out: GrpcMessage[] = []
    for (;;) {
      const page = await engine.call('grpc.messages', { ...where, part, from: out.length, limit: GRPC_MAX_PAGE })
      out.push(...page.messages)
      const done = page.messages.length === 0 || out.length >= page.total || out.length >= SHOWN_MAX
      if (done) return { call: page.call, messages: out.slice(0, SHOWN_MAX), total: page.total, complete: page.complete, problems: page.problems, schemaNote: page.schemaNote }
    }
  }

  /** Reads the call of exchange `exchange` on the selected connection (again, `fresh`: it may have grown). */
  async function open(exchange: number, fresh = false): Promise<void> {
    if (selection.connId === undefined) return
    const where = { capture: selection.capture, connId: selection.connId, exchange }
    const k = JSON.stringify(where)
    if (k === shownKey.value && !fresh) return
    if (k !== shownKey.value) {
      call.value = undefined
      sides.value = {}
      selected.value = undefined
    }
    shownKey.value = k
    shownExchange.value = exchange
    loading.value = true
    try {
      const [request, response] = await Promise.all([readSide(where, 'request'), readSide(where, 'response')])
      if (shownKey.value !== k) return
      error.value = undefined
      // The response's page knows the trailers: its call has the status.
      call.value = response.call.status !== undefined ? response.call : request.call
      sides.value = { request, response }
    } catch (err) {
      if (shownKey.value === k) error.value = (err as Error).message
    } finally {
      if (shownKey.value === k) loading.value = false
    }
  }

  function select(i: number): void {
    selected.value = i
  }

  /** What is loaded now (the engine keeps it across captures). */
  async function readProtos(): Promise<void> {
    try {
      protos.value = await engine.call('grpc.protos')
    } catch (err) {
      protoError.value = (err as Error).message
    }
  }

  /** Loads .proto files (none: unloads them), then reads the shown call again so its fields get names. */
  async function loadProtos(paths: string[]): Promise<boolean> {
    protoLoading.value = true
    protoError.value = undefined
    try {
      protos.value = await engine.call('grpc.protos.load', { paths })
      protoPaths.value = paths
      if (shownExchange.value !== undefined) await open(shownExchange.value, true)
      return true
    } catch (err) {
      protoError.value = (err as Error).message
      return false
    } finally {
      protoLoading.value = false
    }
  }

  watch(
    () => `${selection.capture}:${selection.connId}`,
    () => {
      shownKey.value = undefined
      shownExchange.value = undefined
      call.value = undefined
      sides.value = {}
      selected.value = undefined
      error.value = undefined
    }
  )
  watch(
    () => engine.changedConns,
    (changed) => {
      const exchange = shownExchange.value
      if (selection.capture === 'live' && selection.connId !== undefined && changed.has(selection.connId) && exchange !== undefined) void open(exchange, true)
    }
  )

  return { call, sides, messages, problems, schemaNote, unread, error, loading, selected, protos, protoPaths, protoError, protoLoading, open, select, readProtos, loadProtos }
})

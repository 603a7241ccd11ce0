// @vitest-environment jsdom
// The byte views' "as delivered" maps follow a live connection: they are read again when its
// bytes grow or it ends, and also when a rule's record comes with no byte of the connection
// changed (a mock's answer is in its record, not in the server's stream): the switch is then
// offered, and the answer shown, without waiting for the connection to end.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CaptureInfo, ConnectionSummary, Direction } from '../../../../src/shared/capture-types'
import type { DeliveredStreamMap } from '../../../../src/shared/delivered-stream-types'
import { useEngineStore } from '../../../../src/renderer/src/platform/engine-store'
import { useSelectionStore } from '../../../../src/renderer/src/features/connections/selection-store'
import { useDeliveredBytesStore } from '../../../../src/renderer/src/features/bytes/delivered-bytes-store'
import { fakeTransport } from '../../fake-transport'
import { listRow } from '../connections/list-rows'
import { flushPromises } from '../../../helpers/flush-promises'

const live: CaptureInfo = { id: 'live', name: 'c.tcap', path: '/tmp/c.tcap', size: 100, connections: 1, live: true }
/** A proxied request, still open, that its target has not answered. */
const request: ConnectionSummary = listRow(1, { bytes: { client: 40, server: 0 } })

beforeEach(() => setActivePinia(createPinia()))

describe('the delivered maps of a live connection', () => {
  it('are read again when a rule answers a request and no byte of the connection changed', async () => {
    let summary = request
    let records = 0
    const map = (dir: Direction): DeliveredStreamMap => ({ dir, records, size: dir === 'client' ? (records ? 0 : 40) : records ? 68 : 0, sentSize: dir === 'client' ? 40 : 0, spans: [] })
    const t = fakeTransport({ 'conn.get': () => [summary], 'conn.delivered': ({ dir }) => map(dir) })
    useEngineStore().attach(t.transport)
    t.emit({ type: 'snapshot', proxies: [], sessions: [], captures: [live] })
    const selection = useSelectionStore()
    const delivered = useDeliveredBytesStore()
    selection.select(1)
    await flushPromises()
    expect(delivered.offered).toBe(false)
    // The mock's record: the list's summary says a rule answered; the streams are as they were.
    records = 1
    summary = { ...request, changed: { rule: true }, answered: 68 }
    await selection.refreshConn()
    await flushPromises()
    expect(delivered.offered).toBe(true)
    expect(delivered.maps?.server.size).toBe(68)
  })
})

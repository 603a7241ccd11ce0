// Modbus TCP from real peers: jsmodbus's TCP client and server (a published implementation,
// not ours), recorded through a loopback relay, then cut and described as the capture would be.
import { once } from 'node:events'
import { connect, createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { client as ModbusClient, server as ModbusServer } from 'jsmodbus'
import { modbusCodec } from '../../../../src/core/protocols/modbus/modbus-codec'
import { recogniseMessages } from '../../../../src/core/protocols/messages/message-decoders'
import { listen } from '../../../helpers/net'
import { startRecordingRelay, type RecordingRelay } from '../../../helpers/recording-relay'
import { seeded, type Turn } from '../messages/cut'
import { describeAll, flatFields, mutate } from '../messages/described'

let server: Server
let relay: RecordingRelay

beforeAll(async () => {
  server = createServer()
  new ModbusServer.TCP(server, { holding: Buffer.alloc(1000), coils: Buffer.alloc(32), input: Buffer.from([0, 7, 1, 2, 0, 0]), discrete: Buffer.from([0xa5]) })
  relay = await startRecordingRelay(await listen(server))
})

afterAll(async () => {
  await relay?.close()
  await new Promise<void>((r) => server.close(() => r()))
})

describe('Modbus TCP from jsmodbus, client and server', () => {
  it('decodes reads and writes of coils and registers and an exception, each response paired with its request', async () => {
    // jsmodbus's client learns of the connection from the socket's 'connect' event: build it first.
    const socket = connect({ port: relay.port, host: '127.0.0.1' })
    const c = new ModbusClient.TCP(socket, 17, 5000)
    await once(socket, 'connect')
    await c.writeMultipleRegisters(100, [1, 2, 3])
    const regs = await c.readHoldingRegisters(100, 3)
    expect(regs.response.body.values).toEqual([1, 2, 3])
    await c.writeSingleRegister(5, 42)
    await c.writeSingleCoil(3, true)
    await c.writeMultipleCoils(8, [true, false, true])
    await c.readCoils(0, 16)
    await c.readInputRegisters(0, 3)
    await c.readDiscreteInputs(0, 8)
    // jsmodbus's server answers Read Device Identification without a handler as an unsupported function.
    await expect(c.readDeviceIdentification(1, 0)).rejects.toBeTruthy()
    await expect(c.writeSingleRegister(5000, 1)).rejects.toBeTruthy()
    socket.end()
    const [conn] = await relay.settled(1)
    const turns: Turn[] = conn.pieces.flatMap((p) => ('bytes' in p ? [{ dir: p.dir, bytes: p.bytes }] : []))
    const msgs = describeAll(modbusCodec, turns)
    expect(msgs.map((m) => m.summary)).toEqual([
      'Write Multiple Registers unit 17 at 100 ← [1, 2, 3]',
      'Write Multiple Registers unit 17 at 100 ×3 written',
      'Read Holding Registers unit 17 at 100 ×3',
      'Read Holding Registers unit 17 → [1, 2, 3]',
      'Write Single Register unit 17 at 5 ← 42',
      'Write Single Register unit 17 at 5 = 42',
      'Write Single Coil unit 17 at 3 ← ON',
      'Write Single Coil unit 17 at 3 = ON',
      'Write Multiple Coils unit 17 at 8 ← [1, 0, 1]',
      'Write Multiple Coils unit 17 at 8 ×3 written',
      'Read Coils unit 17 at 0 ×16',
      'Read Coils unit 17 → [0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, … (16 values)]',
      'Read Input Registers unit 17 at 0 ×3',
      'Read Input Registers unit 17 → [7, 258, 0]',
      'Read Discrete Inputs unit 17 at 0 ×8',
      'Read Discrete Inputs unit 17 → [1, 0, 1, 0, 0, 1, 0, 1]',
      'Read Device Identification unit 17 basic from object 0',
      'Exception ILLEGAL FUNCTION (Read Device Identification) unit 17',
      'Write Single Register unit 17 at 5000 ← 1',
      'Exception ILLEGAL DATA ADDRESS (Write Single Register) unit 17'
    ])
    expect(msgs.map((m) => m.note.pair)).toEqual(msgs.map((_, i) => (i % 2 ? i - 1 : undefined)))
    expect(msgs.map((m) => m.note.command).slice(2, 4)).toEqual(['fn 3 Read Holding Registers', 'fn 3 Read Holding Registers'])
    expect(msgs.filter((m) => m.error !== undefined || (m.described.error !== undefined && !m.summary.startsWith('Exception')))).toEqual([])
    expect(flatFields(msgs[3].fields)).toEqual(expect.arrayContaining(['register 100: 1 (0x0001)', 'register 102: 3 (0x0003)']))
    for (const [split, coalesce] of [['random', false], ['bytes', false], ['whole', true]] as const) {
      const again = describeAll(modbusCodec, turns, { split, coalesce, seed: 5 })
      expect(again.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair])).toEqual(msgs.map((m) => [m.dir, m.offset, m.length, m.summary, m.note.pair]))
    }
    const rnd = seeded(17)
    for (let i = 0; i < 500; i++) for (const m of describeAll(modbusCodec, mutate(turns, rnd), { split: 'random', seed: i })) expect(m.summary.length).toBeLessThanOrEqual(200)
    expect(recogniseMessages(turns[0].bytes as Uint8Array, new Uint8Array(), undefined)).toBe('modbus')
  }, 30_000)
})

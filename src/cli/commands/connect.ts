// `tcpscope connect`: a TCP client opened by hand. Sends what you give it (or stdin, when
// there is neither --send nor --expect), prints what comes back, and with --expect exits
// 0 when a matching reply arrived and 1 when it did not, so scripts can use it.

import type { EngineEvent } from '../../shared/events'
import { hexDump } from '../../shared/hexdump'
import type { PayloadSpec } from '../../shared/payload/payload-spec'
import { createStreamDecoder } from '../../core/payload/decode-text'
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_EXPECT_TIMEOUT_MS, MAX_CONNECT_TIMEOUT_MS, MAX_INTERVAL_MS } from '../../shared/limits'
import { oneOfFlag, parseMs, parseWhole, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { CAPTURE_OPTIONS, FRAME_OPTION } from '../common-options'
import { readRange } from '../capture-reads'
import { ConnectionEnding, type Ending } from '../connection-ending'
import { ChunkView, shownEncoding } from '../chunk-view'
import { printEvents, startEngineUntilStopped } from '../engine-run'
import { checkStartFlags } from '../start-checks'
import { EXIT } from '../exit-codes'
import { line, writeAll, type Io } from '../output'
import { PAYLOAD_OPTIONS, payloadFrom, textEncoding } from '../payload-args'
import { CONNECT_TLS_OPTIONS, tlsConnectFrom } from '../tls-options'

const CONNECT_USAGE =
  'tcpscope connect HOST:PORT|PATH [--send TEXT | --send-hex HEX | --send-file FILE] [--encoding ENC] [--eol none|lf|crlf] [--checksum sum8|xor8|crc16-modbus|crc32] [--interval MS [--count N]] [--expect REGEX] [--timeout MS] [--hex] [--local-address ADDR] [--local-port PORT] [--family 4|6] [--connect-timeout MS] [--keepalive MS] [--tls [--ca FILE] [--insecure] [--sni NAME] [--alpn LIST] [--client-cert FILE --client-key FILE]] [--frame SPEC] [--capture FILE [--force]] [--json]'

const OPTIONS = {
  ...PAYLOAD_OPTIONS,
  interval: { type: 'string', arg: 'MS', about: 'send the payload every MS instead of once' },
  count: { type: 'string', arg: 'N', about: 'with --interval: stop after N sends' },
  expect: { type: 'string', arg: 'REGEX', about: 'exit 0 as soon as what the server sent (decoded in --encoding) matches, 1 if it does not in time' },
  timeout: { type: 'string', arg: 'MS', about: `stop after MS (with --expect: give up after MS, default ${DEFAULT_EXPECT_TIMEOUT_MS})` },
  hex: { type: 'boolean', about: 'print what the server sends as an xxd-style hex dump' },
  'local-address': { type: 'string', arg: 'ADDR', about: 'connect from this local address' },
  'local-port': { type: 'string', arg: 'PORT', about: 'connect from this local port' },
  family: { type: 'string', arg: '4|6', about: 'resolve the host to IPv4 or IPv6 only' },
  'connect-timeout': { type: 'string', arg: 'MS', about: `give up connecting after MS (default ${DEFAULT_CONNECT_TIMEOUT_MS})` },
  keepalive: { type: 'string', arg: 'MS', about: 'turn on TCP keep-alive, first probe after MS idle' },
  ...CONNECT_TLS_OPTIONS,
  ...CAPTURE_OPTIONS,
  ...FRAME_OPTION,
  json: { type: 'boolean', about: 'print the connection events as JSON lines (bytes as hex) instead of the data' }
} as const satisfies OptionTable

async function runConnect({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`connect: give one target, HOST:PORT or a socket path; usage: ${CONNECT_USAGE}`)
  const payload = payloadFrom('connect', values)
  const everyMs = parseMs('connect', values.interval, '--interval', 1, MAX_INTERVAL_MS)
  const count = parseWhole('connect', values.count, '--count', 1)
  if (everyMs !== undefined && !payload) throw new UsageError('connect: --interval needs --send, --send-hex or --send-file')
  const timeoutMs = parseMs('connect', values.timeout, '--timeout')
  const keepalive = parseMs('connect', values.keepalive, '--keepalive', 0)
  const encoding = shownEncoding(textEncoding('connect', values.encoding))
  const json = values.json === true
  const tls = tlsConnectFrom('connect', values)
  checkStartFlags('connect', { target: { text: positionals[0], flag: 'target' }, frame: values.frame })

  const { run, stop } = await startEngineUntilStopped({ capture: values.capture, force: values.force })
  const { engine } = run
  const ending = new ConnectionEnding()
  // What the server sends is printed in full, in order, read back from the capture.
  const decoder = createStreamDecoder(encoding)
  let printing = Promise.resolve()
  const printReceived = (e: Extract<EngineEvent, { type: 'conn-data' }>): void => {
    printing = printing.then(async () => {
      const bytes = await readRange(engine, e)
      await writeAll(io.out, values.hex ? hexDump(bytes, e.offset).join('\n') + '\n' : decoder.write(bytes))
    })
  }
  // Without --json, only problems are reported (on stderr); the data itself goes to stdout.
  const printer = printEvents(engine, io, {
    json,
    quiet: !json,
    chunks: json ? new ChunkView({ arrows: { client: '->', server: '<-' }, hex: false, encoding }) : undefined,
    watch: (e) => {
      if (e.type === 'conn-data' && e.dir === 'server' && !json) printReceived(e)
      ending.see(e)
    }
  })
  const input = stdinSender()
  let timer: NodeJS.Timeout | undefined

  try {
    // A bad payload (hex digit, missing file) is reported before anything connects.
    if (payload) await engine['payload.preview']({ payload })
    const info = await engine['client.connect']({
      target: positionals[0],
      localAddress: values['local-address'],
      localPort: parseWhole('connect', values['local-port'], '--local-port', 0, 65535),
      family: oneOfFlag('connect', values.family, '--family', ['4', '6'] as const),
      connectTimeoutMs: parseMs('connect', values['connect-timeout'], '--connect-timeout', 1, MAX_CONNECT_TIMEOUT_MS),
      keepAlive: keepalive !== undefined ? true : undefined,
      keepAliveInitialDelayMs: keepalive,
      tls,
      ...(values.frame !== undefined ? { frame: values.frame } : {})
    }).catch((err: unknown) => {
      throw ending.connectError(err)
    })
    const connId = info.connId!
    const expecting =
      values.expect !== undefined
        ? engine['conn.expect']({ connId, pattern: values.expect, encoding, fromOffset: 0, timeoutMs: timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS })
        : undefined
    if (payload && everyMs !== undefined) await engine['conn.interval']({ connId, everyMs, count, payload })
    else if (payload) await engine['conn.send']({ connId, payload })
    // With --expect and nothing to send, just wait for what the server says (a banner, a tick).
    else if (!expecting) input.start(connId)

    let end: Ending
    if (expecting) {
      const r = await Promise.race([expecting, stop.signal.then(() => ({ matched: false }))])
      end = r.matched
        ? { exitCode: EXIT.ok }
        : (ending.expectEnding(values.expect!) ?? {
            message: `no reply matching /${values.expect}/ within ${timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS} ms`,
            exitCode: EXIT.failed
          })
    } else {
      const waits: Promise<string | undefined>[] = [ending.over.then(() => undefined), stop.signal.then((s) => `stopped by ${s}: closed the connection`)]
      if (timeoutMs !== undefined) waits.push(new Promise((r) => (timer = setTimeout(() => r(`--timeout passed (${timeoutMs} ms): closed the connection`), timeoutMs))))
      const stopped = await Promise.race(waits)
      end = ending.ending()
      // The server did not end it: what did is the line (the exit stays 0, as the help says).
      if (end.message === undefined && stopped !== undefined) end = { ...end, message: stopped }
    }
    // Closing flushes the data events still being gathered, so they print before the capture closes.
    await engine['client.close']({ clientId: info.id })
    await printing
    await printer.drained()
    if (!json && !values.hex) await writeAll(io.out, decoder.end())
    if (end.message !== undefined) line(io.err, `tcpscope: ${end.message}`)
    return end.exitCode
  } finally {
    // Nothing of ours may keep the process alive once the conversation is over.
    clearTimeout(timer)
    input.stop()
    stop.dispose()
    await run.finish()
  }

  /** What arrives on stdin, sent as it comes; its end becomes our FIN. */
  function stdinSender(): { start: (connId: number) => void; stop: () => void } {
    let started = false
    return {
      start: (connId) => {
        started = true
        // stdin is not read while a send waits for the server to take the one before, so a
        // server that does not read holds stdin back instead of filling our memory.
        const send = (payload: PayloadSpec): void => {
          process.stdin.pause()
          void engine['conn.send']({ connId, payload })
            .catch(() => undefined)
            .then(() => process.stdin.resume())
        }
        if (process.stdin.isTTY) {
          process.stdin.setEncoding('utf8')
          process.stdin.on('data', (text: string) => send({ kind: 'text', data: text, escapes: false, encoding }))
          return
        }
        // Piped input is sent byte for byte.
        process.stdin.on('data', (chunk: Buffer) => send({ kind: 'text', encoding: 'base64', data: chunk.toString('base64') }))
        process.stdin.once('end', () => void engine['conn.end']({ connId }).catch(() => undefined))
      },
      stop: () => {
        if (started) process.stdin.destroy()
      }
    }
  }
}

export const connectCommand = defineCommand({
  name: 'connect',
  about: 'open a TCP client by hand: send text, hex or a file and print the reply',
  usage: CONNECT_USAGE,
  options: OPTIONS,
  notes: [
    "With --tls it sends and prints the cleartext; the handshake (version, cipher, SNI, ALPN, the server's certificates) is recorded with the connection. A certificate that does not verify is one line naming --ca and --insecure, exit code 3.",
    'Without --send* or --expect it sends what arrives on stdin (its end as FIN). It prints what the server sends until the server closes, --timeout passes, or Ctrl-C; how the connection ended is one line on stderr.',
    'Exit codes: 0 the server closed (FIN), --timeout passed or Ctrl-C, or --expect matched; 1 --expect did not match (timed out, or the server finished first), or another failure; 2 a usage error; 3 no connection was made (refused, timed out, unreachable, unknown host); 4 the server reset the connection (with or without --expect).'
  ],
  examples: [
    { line: 'tcpscope connect 127.0.0.1:6379 --send \'*1\\r\\n$4\\r\\nPING\\r\\n\' --expect \'^\\+PONG\'', about: 'Send a redis PING and fail unless the answer starts with +PONG.' },
    { line: 'tcpscope connect 192.0.2.10:502 --send-hex \'01 03 00 00 00 0a\' --checksum crc16-modbus --hex --timeout 1000', about: 'Send a Modbus request with its CRC appended and print the answer in hex.' }
  ],
  run: runConnect
})

// A TCP peer in python3 that says exactly what arrived: plain blocking recv() calls, so a
// FIN reads as b'' and a reset as ConnectionResetError, after whatever data came first.
// (A Node socket cannot be the judge: when a reset comes with data, libuv reports an end;
// see confirmFin in src/core/net/target/node-internals.ts.)
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'

const SCRIPT = String.raw`
import json, select, socket, struct, sys
mode = sys.argv[1]

def read_all(s):
    data = b''
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            return data, 'reset'
        if not b:
            return data, 'fin'
        data += b

def report(data, end):
    print(json.dumps({'data': data.hex(), 'end': end}), flush=True)

def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()

if mode == 'client':
    # client HOST PORT SEND_HEX: send, then read until the end and say how it ended.
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])))
    s.sendall(bytes.fromhex(sys.argv[4]))
    report(*read_all(s))
    sys.exit(0)

srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(64)
print(srv.getsockname()[1], flush=True)
while True:
    c, _ = srv.accept()
    if mode == 'read':
        # read DELAY_MS: wait, or less if told to go on (a line on stdin), then read until the end and say how it ended.
        ready, _, _ = select.select([sys.stdin], [], [], int(sys.argv[2]) / 1000)
        if ready:
            sys.stdin.readline()
        data, end = read_all(c)
        report(data, end)
        if end == 'fin':
            c.close()
    elif mode == 'reset':
        # reset SEND_HEX: wait for one byte from the client, send, and reset at once.
        c.recv(1)
        c.sendall(bytes.fromhex(sys.argv[2]))
        reset(c)
`

export interface PyServer {
  port: number
  /** The next connection's report: its bytes and whether it ended by FIN or reset. */
  next(): Promise<PeerReport>
  /** `read` with a delay: the connection waiting is read now. */
  go(): void
  close(): void
}

export interface PeerReport {
  data: Buffer
  end: 'fin' | 'reset'
}

function reports(child: ChildProcessWithoutNullStreams): { first: Promise<string>; next: () => Promise<string> } {
  const lines: string[] = []
  const waiting: Array<(l: string) => void> = []
  createInterface({ input: child.stdout }).on('line', (l) => {
    const w = waiting.shift()
    if (w) w(l)
    else lines.push(l)
  })
  const next = (): Promise<string> => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((r) => waiting.push(r)))
  return { first: next(), next }
}

const parse = (line: string): PeerReport => {
  const r = JSON.parse(line) as { data: string; end: 'fin' | 'reset' }
  return { data: Buffer.from(r.data, 'hex'), end: r.end }
}

/** `read`: reports each connection (after `delayMs`, or once told to go); `reset`: answers each with `send`, then RST. */
export async function pyServer(mode: { read: number } | { reset: Buffer }): Promise<PyServer> {
  const args = 'read' in mode ? ['read', String(mode.read)] : ['reset', mode.reset.toString('hex')]
  const child = spawn('python3', ['-c', SCRIPT, ...args])
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d))
  const r = reports(child)
  const port = Number(await Promise.race([r.first, new Promise<string>((_, reject) => child.once('exit', () => reject(new Error(`python3 peer exited: ${err}`))))]))
  return { port, next: async () => parse(await r.next()), go: () => void child.stdin.write('go\n'), close: () => child.kill() }
}

/** Connects, sends `send`, and reports what came back and how the connection ended. */
export async function pyClient(port: number, send: Buffer): Promise<PeerReport> {
  const child = spawn('python3', ['-c', SCRIPT, 'client', '127.0.0.1', String(port), send.toString('hex')])
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d))
  const r = reports(child)
  const line = await Promise.race([r.first, new Promise<string>((_, reject) => child.once('exit', (code) => code !== 0 && reject(new Error(`python3 client failed: ${err}`))))])
  return parse(line)
}

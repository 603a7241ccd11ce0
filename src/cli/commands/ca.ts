// `tcpscope ca`: tcpscope's certificate authority, through the engine's ca.* commands as the
// UI's CA panel uses them: what it is and where it lives, exporting its certificate (never
// its key), and making a new one, only once a person said yes or --force says so.

import { resolve } from 'node:path'
import type { CaInfo } from '../../shared/tls-types'
import { oneOfFlag, UsageError, type Parsed } from '../args'
import { askYesNo, canAsk, processTerminal, type Terminal } from '../ask'
import { defineCommand, type OptionTable } from '../command-spec'
import { startEngine } from '../engine-run'
import { EXIT, ExitError } from '../exit-codes'
import { line, writeAll, type Io } from '../output'

const CA_USAGE = 'tcpscope ca [--export FILE|- [--format pem|der]] [--path] [--regenerate] [--force] [--json]'

const OPTIONS = {
  export: { type: 'string', arg: 'FILE|-', about: "write the CA's certificate (never its private key) to FILE, or to stdout for -; an existing FILE is refused unless --force" },
  format: { type: 'string', arg: 'pem|der', about: 'the format --export writes (default pem, or der when FILE ends in .der)' },
  path: { type: 'boolean', about: 'print where the CA lives: the certificate file, then the private key file, one per line' },
  regenerate: {
    type: 'boolean',
    about: 'make a new CA in place of the current one; everything that trusts the current one must then trust the new one. Asks first on a terminal; elsewhere needs --force'
  },
  force: { type: 'boolean', about: 'replace an existing --export FILE; make the --regenerate without asking' },
  json: { type: 'boolean', about: 'print the facts as one JSON object (fingerprints, dates, paths, the certificate in PEM)' }
} as const satisfies OptionTable

const NOTES = [
  'The CA lives in the data folder: TCPSCOPE_DATA_DIR when set, else the folder the desktop app uses (on Linux ~/.config/tcpscope), so the CLI and the app share one CA. It is made on first use (ECDSA P-256); the private key file is readable by its owner only.',
  'To see inside TLS, a client must trust the CA: export it, then add it to the system or browser trust store (docs/intercepting.md, "Trusting tcpscope\'s CA").'
]

/** The lines `tcpscope ca` prints about the CA. */
export function describeCa(info: CaInfo): string[] {
  const day = (iso: string): string => iso.slice(0, 10)
  return [
    `tcpscope CA: ${info.subject}${info.created ? ' (made just now)' : ''}`,
    `  SHA-256:      ${info.sha256}`,
    `  SPKI SHA-256: ${info.spki}`,
    `  valid:        ${day(info.validFrom)} to ${day(info.validTo)}`,
    `  certificate:  ${info.certPath}`,
    `  private key:  ${info.keyPath} (stays there; never share it)`,
    'Trust it where you want TLS seen: `tcpscope ca --export tcpscope-ca.pem`, then see "Trusting tcpscope\'s CA" in docs/intercepting.md.'
  ]
}

async function confirmRegenerate(force: boolean, terminal: Terminal): Promise<void> {
  if (force) return
  if (!canAsk(terminal)) throw new UsageError('ca: --regenerate replaces the CA that clients trust; there is no terminal to ask, so pass --force to do it anyway')
  const yes = await askYesNo(terminal, 'Make a new tcpscope CA? Everything that trusts the current one (browsers, system stores) will have to trust the new one instead.')
  if (!yes) throw new ExitError('ca: kept the current CA', EXIT.failed)
}

async function runCa({ values, positionals }: Parsed<typeof OPTIONS>, io: Io, terminal: Terminal): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`ca: unexpected argument "${positionals[0]}"; usage: ${CA_USAGE}`)
  if (values.format !== undefined && values.export === undefined) throw new UsageError('ca: --format goes with --export FILE')
  const file = values.export
  if (file === '') throw new UsageError('ca: --export wants a file name, or - for stdout')
  const format = oneOfFlag('ca', values.format, '--format', ['pem', 'der'] as const) ?? (file?.toLowerCase().endsWith('.der') ? 'der' : 'pem')
  const force = values.force === true
  const json = values.json === true
  if (values.regenerate) await confirmRegenerate(force, terminal)
  // With the certificate on stdout, what the command says goes to stderr.
  const say = (text: string): void => line(file === '-' ? io.err : io.out, text)

  const run = await startEngine({ readsFiles: true })
  try {
    const { engine } = run
    const info = values.regenerate ? await engine['ca.regenerate']({ confirm: true }) : await engine['ca.info']()
    if (values.regenerate && !json) say(`tcpscope: made a new CA (SHA-256 ${info.sha256}); trust it again wherever the old one was trusted`)
    if (file !== undefined) {
      if (file === '-') {
        const { bytes } = await engine['ca.export']({ format })
        await writeAll(io.out, bytes!)
      } else {
        // Relative to where the command runs, as a person typing a file name means it.
        const written = await engine['ca.export']({ path: resolve(file), format, force })
        if (!json) say(`tcpscope: wrote the CA certificate (${format.toUpperCase()}) to ${written.path}`)
      }
    }
    if (values.path) {
      if (json) say(JSON.stringify({ cert: info.certPath, key: info.keyPath }))
      else for (const p of [info.certPath, info.keyPath]) say(p)
    } else if (json) say(JSON.stringify(info))
    else if (file === undefined) for (const l of describeCa(info)) say(l)
    return EXIT.ok
  } finally {
    await run.finish()
  }
}

export const caCommand = defineCommand({
  name: 'ca',
  about: "show, export or remake tcpscope's certificate authority (the CA its TLS interception signs with)",
  usage: CA_USAGE,
  options: OPTIONS,
  notes: NOTES,
  examples: [
    { line: 'tcpscope ca --export ca.pem', about: 'Export the CA certificate (never its key), e.g. for curl --cacert ca.pem.' },
    { line: 'tcpscope ca --path', about: 'Where the CA\'s files are.' }
  ],
  run: (args, io) => runCa(args, io, processTerminal())
})

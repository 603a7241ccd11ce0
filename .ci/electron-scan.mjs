// Doyensec's electronegativity over src/, as CI's Electron security gate: prints every
// finding and exits non-zero on any HIGH or MEDIUM one, or on a file it could not parse (a
// file it cannot read is a file it did not check; parser warnings only print). A reviewed
// false positive is silenced where it stands, with `// eng-disable CHECK_ID` on its line
// and a comment saying why.
//
// It runs the scanner's library, not its CLI: the CLI needs commander 5 but does not
// declare it, loads whichever commander npm hoists (14 here, for @vue/test-utils' tools),
// and fails on start.

import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const runnerPath = require.resolve('@doyensec/electronegativity')

// The scanner fetches translations over the network at start, and falls back to English
// when that fails. CI reaches nothing but the package registries, so it gets an offline
// `got` instead: no connection is attempted, and it still says it could not get them.
const gotPath = createRequire(runnerPath).resolve('got')
const offline = () => Promise.reject(new Error('offline'))
offline.head = offline
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline }

const run = require(runnerPath)
const input = join(root, 'src')
const { issues, errors } = await run({
  input,
  isRelative: true,
  // The Electron the app is built with, as installed by npm ci.
  electronVersionOverride: require('electron/package.json').version,
  // Compares that version with Electron's release list online; npm (and its audit) keeps
  // the Electron version, not this gate.
  excludeFromScan: ['AvailableSecurityFixesGlobalCheck']
})

const BLOCKING = new Set(['HIGH', 'MEDIUM'])
const blocking = issues.filter((i) => BLOCKING.has(i.severity.name))
for (const i of issues) {
  const review = i.manualReview ? ' (review)' : ''
  console.log(`${i.severity.name} ${i.confidence.name}${review} ${i.id} src/${i.file}:${i.location.line}:${i.location.column} ${i.shortenedURL}`)
}
for (const e of errors) console.log(`${e.tolerable ? 'warning in' : 'cannot parse'} src/${relative(input, e.file)}: ${e.message}`)
const unparsed = errors.filter((e) => !e.tolerable)

const counts = ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'].map((s) => `${issues.filter((i) => i.severity.name === s).length} ${s}`)
console.log(`electronegativity: ${counts.join(', ')}; ${unparsed.length} files unparsed`)
if (blocking.length > 0 || unparsed.length > 0) process.exitCode = 1

#!/usr/bin/env node
// Writes docs/cli.md from the built CLI's command specs (`tcpscope help --markdown`), the
// same text --help prints. Run with `npm run docs:cli`, which builds the CLI first.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const text = execFileSync(process.execPath, [join(root, 'bin', 'tcpscope.js'), 'help', '--markdown'], { encoding: 'utf8' })
writeFileSync(join(root, 'docs', 'cli.md'), text)
console.log(`docs/cli.md: ${text.split('\n').length} lines`)

// Reading a setup document of any format version this build knows: an older one is brought
// up to SETUP_VERSION one step at a time, then checked field by field. Format 1 is the
// first, so the table of steps is empty; a change to the format adds the step from the
// version before it here, and a test with a file of that version.

import { ValidationError } from './schema'
import { parseSetupBody, SETUP_KIND, SETUP_VERSION, type Setup } from './setup-types'

/** Turns a document of version N (the key) into one of version N + 1. */
export type SetupMigration = (doc: Record<string, unknown>) => Record<string, unknown>
export const SETUP_MIGRATIONS: Readonly<Record<number, SetupMigration>> = {}

/**
 * A setup from parsed JSON: its kind and version checked, migrated to this build's
 * version, then every field checked (SetupError lists each wrong one). `current` and
 * `migrations` are for tests of the migration path.
 */
export function parseSetup(raw: unknown, migrations: Readonly<Record<number, SetupMigration>> = SETUP_MIGRATIONS, current: number = SETUP_VERSION): Setup {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError('not a tcpscope setup: expected a JSON object')
  let doc = raw as Record<string, unknown>
  if (doc.kind !== SETUP_KIND) throw new ValidationError(`not a tcpscope setup: "kind" must be "${SETUP_KIND}"`)
  const version = doc.version
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw new ValidationError('version: expected a whole number from 1 (the setup format\'s version)')
  if (version > current) throw new ValidationError(`version: this setup is in format ${version}, made by a newer tcpscope; this one reads formats up to ${current}: update tcpscope`)
  for (let v = version; v < current; v++) {
    const step = migrations[v]
    if (step === undefined) throw new ValidationError(`version: no way from format ${v} to ${v + 1} in this tcpscope`)
    doc = { ...step(doc), kind: SETUP_KIND, version: v + 1 }
  }
  return parseSetupBody(doc)
}

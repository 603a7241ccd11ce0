// The rules.* commands' arguments. A rule list is checked by the rules file's own schema
// (rule-schema.ts), so the UI, the CLI and a file get the same one-line errors.

import { bool, int, obj, oneOf, optional, str, type Schema } from '../schema'
import type { RuleInfo } from './rule-types'
import { checkRules } from './rule-schema'

const proxyId = str({ nonEmpty: true, max: 64 })

/** Checked as RuleSpec[]; typed unknown[] because a recursive type (Matcher) cannot go through the contract's payload check. */
const ruleList: Schema<readonly unknown[]> = { parse: (v) => checkRules(v).rules }

export const rulesRef = obj({ proxyId })
export const rulesSetArgs = obj({ proxyId, rules: ruleList })
/** A rules file on the engine's host (JSON or YAML), loaded and reloaded when it changes. */
export const rulesLoadArgs = obj({ proxyId, path: str({ nonEmpty: true, max: 4096 }), watch: optional(bool()) })
/** A script of hooks (`.js`, `.mjs`, `.ts`) on the engine's host, run in a thread of its own and reloaded on save. */
export const scriptLoadArgs = obj({ proxyId, path: str({ nonEmpty: true, max: 4096 }) })
/** A rule that answers as exchange `exchange` of connection `connId` was answered. */
export const rulesFromArgs = obj({
  capture: str({ nonEmpty: true, max: 4096 }),
  connId: int({ min: 1 }),
  /** An HTTP exchange (from 0) to mock, or whose requests to rewrite... */
  exchange: optional(int({ min: 0 })),
  /** ...or a raw connection's client message (from 0) whose recorded reply to answer with. */
  message: optional(int({ min: 0 })),
  /** `mock` (the default): answer as recorded; `rewrite` (an exchange): rewrite requests like this one. */
  as: optional(oneOf(['mock', 'rewrite'] as const))
})
export const rulesCheckArgs = obj({ path: str({ nonEmpty: true, max: 4096 }) })
export const rulesEnableArgs = obj({ proxyId, id: str({ nonEmpty: true, max: 32 }), enabled: bool() })

/** A proxy's rules as front ends see them. */
export interface RulesState {
  rules: RuleInfo[]
  /** The rules file they came from, when loaded from one. */
  file?: string
  /** Why the file's last edit was not taken (the rules before it stay), in one line. */
  error?: string
  /** The script loaded beside the rules, if any. */
  script?: ScriptState
}

/** A loaded script: its hooks, how often they ran, failed and were restarted, and its last error. */
export interface ScriptState {
  path: string
  loadedAt: number
  hooks: string[]
  lastError?: string
  restarts: number
  calls: number
  errors: number
}

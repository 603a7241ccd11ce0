// Auto-reply rules of a server session: match a received chunk (exact / contains /
// starts-with / ends-with / regex, as text or hex) and build the reply, with regex groups
// substituted into text replies. The first matching rule wins.

import type { PayloadSpec } from '../../shared/payload/payload-spec'
import { parseHex } from '../../shared/payload/parse-hex'
import type { ReplyRule } from '../../shared/session-types'
import { toHex } from '../../shared/hexdump'
import { buildPayload, encodeText } from '../payload/build-payload'
import { decodeText } from '../payload/decode-text'
import { parseEscapes } from '../../shared/payload/escapes'
import { ERROR_CODES } from '../../shared/errors'
import { UserError } from '../net/net-errors'
import { compileUserRegex, type RegexMatch, type UserRegex } from '../regex/user-regex'

interface CompiledRule {
  rule: ReplyRule
  /** The pattern as bytes (byte modes) or a regex (regex mode). */
  bytes?: Buffer
  regex?: UserRegex
  /** Prebuilt reply when it does not depend on the match. */
  fixed?: Buffer
}

const usesGroups = (p: PayloadSpec): boolean => p.kind === 'text' && /\$(\d|&)/.test(p.data)

function patternBytes(rule: ReplyRule): Buffer {
  if (rule.format === 'hex') return Buffer.from(parseHex(rule.pattern))
  const encoding = rule.encoding ?? 'utf8'
  return Buffer.concat(parseEscapes(rule.pattern).map((p) => ('byte' in p ? Buffer.of(p.byte) : encodeText(p.text, encoding))))
}

export async function compileRules(rules: ReplyRule[]): Promise<CompiledRule[]> {
  return Promise.all(
    rules.map(async (rule, i) => {
      const c: CompiledRule = { rule }
      try {
        if (rule.match === 'regex') c.regex = compileUserRegex(rule.pattern)
        else c.bytes = patternBytes(rule)
        // A reply with groups is built per match; building it once here still validates it.
        const built = await buildPayload(rule.reply)
        if (!usesGroups(rule.reply)) c.fixed = built
      } catch (err) {
        throw new UserError(`reply rule ${i + 1}: ${(err as Error).message}`, err instanceof UserError ? err.code : ERROR_CODES.EINVAL)
      }
      return c
    })
  )
}

function substitute(template: string, m: RegexMatch): string {
  return template.replace(/\$(\d|&)/g, (_, g: string) => (g === '&' || g === '0' ? m.text : (m.groups[Number(g) - 1] ?? '')))
}

/**
 * The reply to a received chunk, or undefined when no rule matches: at once when it is fixed,
 * a promise when it is built from the match (so fixed replies keep their order with echo).
 */
export function replyFor(rules: CompiledRule[], chunk: Buffer): Buffer | Promise<Buffer> | undefined {
  for (const c of rules) {
    const { rule } = c
    if (c.regex) {
      const subject = rule.format === 'hex' ? toHex(chunk) : decodeText(chunk, rule.encoding ?? 'utf8')
      const m = c.regex.first(subject)
      if (!m) continue
      return c.fixed ?? buildPayload({ ...rule.reply, data: substitute(rule.reply.data, m) })
    }
    const p = c.bytes!
    const hit =
      rule.match === 'exact'
        ? chunk.equals(p)
        : rule.match === 'contains'
          ? chunk.includes(p)
          : rule.match === 'starts'
            ? chunk.subarray(0, p.length).equals(p)
            : chunk.length >= p.length && chunk.subarray(chunk.length - p.length).equals(p)
    if (hit) return c.fixed ?? buildPayload(rule.reply)
  }
  return undefined
}

export type { CompiledRule }

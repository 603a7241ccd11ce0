// Whether a value holds a payload of kind `file` anywhere inside: sending it reads a file of
// the engine's machine, which a front end's policy may not allow (web mode without
// --allow-files). The endpoint checks a call's arguments with it, setups each part they start.

export function namesFilePayload(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false
  if (Array.isArray(value)) return value.some(namesFilePayload)
  const o = value as Record<string, unknown>
  if (o.kind === 'file' && typeof o.data === 'string') return true
  return Object.values(o).some(namesFilePayload)
}

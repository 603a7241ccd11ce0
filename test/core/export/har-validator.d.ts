// har-validator ships no types: the one function the tests call.
declare module 'har-validator' {
  /** Resolves with the HAR when it is valid HAR 1.2; rejects with the schema errors. */
  export function har(data: unknown): Promise<unknown>
}

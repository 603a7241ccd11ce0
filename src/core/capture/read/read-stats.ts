// What this process has read from capture files, counted where the reads are made.

/**
 * Bytes read from capture files by this process, for the bench and tests ("reads about what
 * it writes"); `headers`: record headers read on their own; `direct`: bytes read with
 * O_DIRECT (direct-reads.ts), counted in `bytes` too.
 */
export const readStats = { bytes: 0, headers: 0, direct: 0 }

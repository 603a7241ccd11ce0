// A list's filter checked before any capture is read (the CLI's --filter, so that a mistake
// is a usage error, exit 2, said before a file is opened): parsed by the list's own parser,
// the connection list's decoded words' values checked as decoding checks them (decodedWord),
// so the check and the list cannot disagree. Each gives the hints of the words it read with
// a doubt (`stauts:200`: shared/filter-mistakes.ts endpointWord).

import { parseQuery, type ProtocolFacts } from '../capture/query/connection-query'
import { parseExchangeFilter } from './exchange-query'
import { decodedWord } from './exchange-words'

/** Decoding's answers with nothing decoded: each decoded word's value checked (tls: and sni: take any), none passing. */
const CHECKING: ProtocolFacts = {
  catchUp: async () => ({ done: 0, of: 0 }),
  wordTest: (key, value) => {
    if (key !== 'tls' && key !== 'sni') decodedWord(key, value)
    return () => false
  },
  infoTest: () => () => false,
  version: () => 0
}

/** The connection list's filter (`replay --all --filter`): a UserError for its mistakes, else its hints. */
export const checkConnectionFilter = (filter: string): string[] => parseQuery(filter, CHECKING).hints

/** The exchange list's filter (`show --filter`): a UserError for its mistakes, else its hints. */
export const checkExchangeFilter = (filter: string): string[] => parseExchangeFilter(filter).hints

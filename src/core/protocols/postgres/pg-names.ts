// PostgreSQL's v3 protocol by name (https://www.postgresql.org/docs/current/protocol-message-formats.html):
// message type bytes per direction, the startup codes, authentication kinds, the letters of
// an ErrorResponse's fields, and the type OIDs of the common built-in types (pg_type.dat).

export const PROTOCOL_3 = 196608
export const SSL_REQUEST = 80877103
export const GSSENC_REQUEST = 80877104
export const CANCEL_REQUEST = 80877102

export const CLIENT_TYPES: Record<string, string> = {
  Q: 'Query',
  P: 'Parse',
  B: 'Bind',
  D: 'Describe',
  E: 'Execute',
  S: 'Sync',
  H: 'Flush',
  C: 'Close',
  X: 'Terminate',
  p: 'PasswordMessage',
  d: 'CopyData',
  c: 'CopyDone',
  f: 'CopyFail',
  F: 'FunctionCall'
}

export const SERVER_TYPES: Record<string, string> = {
  R: 'Authentication',
  S: 'ParameterStatus',
  K: 'BackendKeyData',
  Z: 'ReadyForQuery',
  T: 'RowDescription',
  D: 'DataRow',
  C: 'CommandComplete',
  E: 'ErrorResponse',
  N: 'NoticeResponse',
  I: 'EmptyQueryResponse',
  '1': 'ParseComplete',
  '2': 'BindComplete',
  '3': 'CloseComplete',
  n: 'NoData',
  t: 'ParameterDescription',
  s: 'PortalSuspended',
  G: 'CopyInResponse',
  H: 'CopyOutResponse',
  W: 'CopyBothResponse',
  d: 'CopyData',
  c: 'CopyDone',
  A: 'NotificationResponse',
  v: 'NegotiateProtocolVersion',
  V: 'FunctionCallResponse'
}

/** Authentication request kinds, by their int32 code. */
export const AUTH_KINDS: Record<number, string> = {
  0: 'AuthenticationOk',
  2: 'AuthenticationKerberosV5',
  3: 'AuthenticationCleartextPassword',
  5: 'AuthenticationMD5Password',
  7: 'AuthenticationGSS',
  8: 'AuthenticationGSSContinue',
  9: 'AuthenticationSSPI',
  10: 'AuthenticationSASL',
  11: 'AuthenticationSASLContinue',
  12: 'AuthenticationSASLFinal'
}

/** What the client's next 'p' message is, after each authentication request. */
export const PASSWORD_KIND_AFTER: Record<number, string> = {
  3: 'PasswordMessage',
  5: 'PasswordMessage',
  7: 'GSSResponse',
  8: 'GSSResponse',
  9: 'GSSResponse',
  10: 'SASLInitialResponse',
  11: 'SASLResponse'
}

/** ErrorResponse and NoticeResponse fields, by their code letter. */
export const ERROR_FIELDS: Record<string, string> = {
  S: 'severity',
  V: 'severity (not localized)',
  C: 'SQLSTATE code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  p: 'internal position',
  q: 'internal query',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'data type',
  n: 'constraint',
  F: 'file',
  L: 'line',
  R: 'routine'
}

export const READY_STATUS: Record<string, string> = { I: 'idle', T: 'in transaction', E: 'failed transaction' }

const TYPE_OIDS: Record<number, string> = {
  16: 'bool',
  17: 'bytea',
  18: 'char',
  19: 'name',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  24: 'regproc',
  25: 'text',
  26: 'oid',
  28: 'xid',
  114: 'json',
  142: 'xml',
  194: 'pg_node_tree',
  650: 'cidr',
  700: 'float4',
  701: 'float8',
  705: 'unknown',
  774: 'macaddr8',
  790: 'money',
  829: 'macaddr',
  869: 'inet',
  1000: 'bool[]',
  1001: 'bytea[]',
  1005: 'int2[]',
  1007: 'int4[]',
  1009: 'text[]',
  1015: 'varchar[]',
  1016: 'int8[]',
  1021: 'float4[]',
  1022: 'float8[]',
  1042: 'bpchar',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1266: 'timetz',
  1560: 'bit',
  1562: 'varbit',
  1700: 'numeric',
  2205: 'regclass',
  2249: 'record',
  2275: 'cstring',
  2278: 'void',
  2950: 'uuid',
  2951: 'uuid[]',
  3802: 'jsonb',
  3807: 'jsonb[]',
  3904: 'int4range',
  4089: 'regnamespace'
}

/** A type OID as people name it (`int4`), or `oid 16384` for one not built in. */
export const typeName = (oid: number): string => TYPE_OIDS[oid] ?? `oid ${oid}`

/** Types whose text values read as text, quoted in summaries (`name="x"`), as numbers are not. */
export const TEXT_TYPES = new Set([18, 19, 25, 114, 142, 705, 1042, 1043, 3802])

/** The startup code of an untyped message, named. */
export function startupName(code: number): string | undefined {
  if (code === SSL_REQUEST) return 'SSLRequest'
  if (code === GSSENC_REQUEST) return 'GSSENCRequest'
  if (code === CANCEL_REQUEST) return 'CancelRequest'
  if (code >>> 16 === 3) return 'StartupMessage'
  return undefined
}

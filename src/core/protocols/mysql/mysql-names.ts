// MySQL's and MariaDB's client/server protocol by name
// (https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html, https://mariadb.com/kb/en/clientserver-protocol/):
// commands, capability and status flags, column types.

export const COMMANDS: Record<number, string> = {
  0x00: 'COM_SLEEP',
  0x01: 'COM_QUIT',
  0x02: 'COM_INIT_DB',
  0x03: 'COM_QUERY',
  0x04: 'COM_FIELD_LIST',
  0x05: 'COM_CREATE_DB',
  0x06: 'COM_DROP_DB',
  0x07: 'COM_REFRESH',
  0x08: 'COM_SHUTDOWN',
  0x09: 'COM_STATISTICS',
  0x0a: 'COM_PROCESS_INFO',
  0x0b: 'COM_CONNECT',
  0x0c: 'COM_PROCESS_KILL',
  0x0d: 'COM_DEBUG',
  0x0e: 'COM_PING',
  0x0f: 'COM_TIME',
  0x10: 'COM_DELAYED_INSERT',
  0x11: 'COM_CHANGE_USER',
  0x12: 'COM_BINLOG_DUMP',
  0x13: 'COM_TABLE_DUMP',
  0x14: 'COM_CONNECT_OUT',
  0x15: 'COM_REGISTER_SLAVE',
  0x16: 'COM_STMT_PREPARE',
  0x17: 'COM_STMT_EXECUTE',
  0x18: 'COM_STMT_SEND_LONG_DATA',
  0x19: 'COM_STMT_CLOSE',
  0x1a: 'COM_STMT_RESET',
  0x1b: 'COM_SET_OPTION',
  0x1c: 'COM_STMT_FETCH',
  0x1d: 'COM_DAEMON',
  0x1e: 'COM_BINLOG_DUMP_GTID',
  0x1f: 'COM_RESET_CONNECTION',
  0xfa: 'COM_STMT_BULK_EXECUTE'
}

export const COM_QUIT = 0x01
export const COM_QUERY = 0x03
export const COM_FIELD_LIST = 0x04
export const COM_STATISTICS = 0x09
export const COM_STMT_PREPARE = 0x16
export const COM_STMT_EXECUTE = 0x17
export const COM_STMT_SEND_LONG_DATA = 0x18
export const COM_STMT_CLOSE = 0x19
/** Commands the server does not answer. */
export const UNANSWERED = new Set([COM_QUIT, COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE])

export const CLIENT_LONG_PASSWORD = 1
export const CLIENT_CONNECT_WITH_DB = 8
export const CLIENT_COMPRESS = 0x20
export const CLIENT_PROTOCOL_41 = 0x200
export const CLIENT_SSL = 0x800
export const CLIENT_SECURE_CONNECTION = 0x8000
export const CLIENT_PLUGIN_AUTH = 0x80000
export const CLIENT_CONNECT_ATTRS = 0x100000
export const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 0x200000
export const CLIENT_SESSION_TRACK = 0x800000
export const CLIENT_DEPRECATE_EOF = 0x1000000
export const CLIENT_ZSTD_COMPRESSION = 0x4000000
export const CLIENT_QUERY_ATTRIBUTES = 0x8000000
/** MariaDB's capabilities above 32 bits (in the handshakes' reserved bytes). */
export const MARIADB_CLIENT_EXTENDED_TYPE_INFO = 2 ** 35
export const MARIADB_CLIENT_CACHE_METADATA = 2 ** 36

const CAPABILITIES: Array<[number, string]> = [
  [1, 'CLIENT_LONG_PASSWORD'],
  [2, 'CLIENT_FOUND_ROWS'],
  [4, 'CLIENT_LONG_FLAG'],
  [8, 'CLIENT_CONNECT_WITH_DB'],
  [0x10, 'CLIENT_NO_SCHEMA'],
  [0x20, 'CLIENT_COMPRESS'],
  [0x40, 'CLIENT_ODBC'],
  [0x80, 'CLIENT_LOCAL_FILES'],
  [0x100, 'CLIENT_IGNORE_SPACE'],
  [0x200, 'CLIENT_PROTOCOL_41'],
  [0x400, 'CLIENT_INTERACTIVE'],
  [0x800, 'CLIENT_SSL'],
  [0x1000, 'CLIENT_IGNORE_SIGPIPE'],
  [0x2000, 'CLIENT_TRANSACTIONS'],
  [0x4000, 'CLIENT_RESERVED'],
  [0x8000, 'CLIENT_SECURE_CONNECTION'],
  [0x10000, 'CLIENT_MULTI_STATEMENTS'],
  [0x20000, 'CLIENT_MULTI_RESULTS'],
  [0x40000, 'CLIENT_PS_MULTI_RESULTS'],
  [0x80000, 'CLIENT_PLUGIN_AUTH'],
  [0x100000, 'CLIENT_CONNECT_ATTRS'],
  [0x200000, 'CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA'],
  [0x400000, 'CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS'],
  [0x800000, 'CLIENT_SESSION_TRACK'],
  [0x1000000, 'CLIENT_DEPRECATE_EOF'],
  [0x2000000, 'CLIENT_OPTIONAL_RESULTSET_METADATA'],
  [0x4000000, 'CLIENT_ZSTD_COMPRESSION_ALGORITHM'],
  [0x8000000, 'CLIENT_QUERY_ATTRIBUTES'],
  [0x20000000, 'CLIENT_CAPABILITY_EXTENSION'],
  [0x40000000, 'CLIENT_SSL_VERIFY_SERVER_CERT'],
  [0x80000000, 'CLIENT_REMEMBER_OPTIONS'],
  [2 ** 32, 'MARIADB_CLIENT_PROGRESS'],
  [2 ** 33, 'MARIADB_CLIENT_COM_MULTI'],
  [2 ** 34, 'MARIADB_CLIENT_STMT_BULK_OPERATIONS'],
  [2 ** 35, 'MARIADB_CLIENT_EXTENDED_TYPE_INFO'],
  [2 ** 36, 'MARIADB_CLIENT_CACHE_METADATA'],
  [2 ** 37, 'MARIADB_CLIENT_BULK_UNIT_RESULTS']
]

const STATUS: Array<[number, string]> = [
  [1, 'SERVER_STATUS_IN_TRANS'],
  [2, 'SERVER_STATUS_AUTOCOMMIT'],
  [8, 'SERVER_MORE_RESULTS_EXISTS'],
  [0x10, 'SERVER_STATUS_NO_GOOD_INDEX_USED'],
  [0x20, 'SERVER_STATUS_NO_INDEX_USED'],
  [0x40, 'SERVER_STATUS_CURSOR_EXISTS'],
  [0x80, 'SERVER_STATUS_LAST_ROW_SENT'],
  [0x100, 'SERVER_STATUS_DB_DROPPED'],
  [0x200, 'SERVER_STATUS_NO_BACKSLASH_ESCAPES'],
  [0x400, 'SERVER_STATUS_METADATA_CHANGED'],
  [0x800, 'SERVER_QUERY_WAS_SLOW'],
  [0x1000, 'SERVER_PS_OUT_PARAMS'],
  [0x2000, 'SERVER_STATUS_IN_TRANS_READONLY'],
  [0x4000, 'SERVER_SESSION_STATE_CHANGED']
]
export const SERVER_MORE_RESULTS_EXISTS = 8
export const SERVER_SESSION_STATE_CHANGED = 0x4000

/** Whether `flags` (up to 2^53) has `bit` set. */
export const has = (flags: number, bit: number): boolean => Math.floor(flags / bit) % 2 === 1

const named = (table: Array<[number, string]>, flags: number): string[] => table.filter(([bit]) => has(flags, bit)).map(([, n]) => n)
export const capabilityNames = (flags: number): string[] => named(CAPABILITIES, flags)
export const statusNames = (flags: number): string[] => named(STATUS, flags)

const TYPES: Record<number, string> = {
  0: 'DECIMAL',
  1: 'TINY',
  2: 'SHORT',
  3: 'LONG',
  4: 'FLOAT',
  5: 'DOUBLE',
  6: 'NULL',
  7: 'TIMESTAMP',
  8: 'LONGLONG',
  9: 'INT24',
  10: 'DATE',
  11: 'TIME',
  12: 'DATETIME',
  13: 'YEAR',
  14: 'NEWDATE',
  15: 'VARCHAR',
  16: 'BIT',
  17: 'TIMESTAMP2',
  18: 'DATETIME2',
  19: 'TIME2',
  245: 'JSON',
  246: 'NEWDECIMAL',
  247: 'ENUM',
  248: 'SET',
  249: 'TINY_BLOB',
  250: 'MEDIUM_BLOB',
  251: 'LONG_BLOB',
  252: 'BLOB',
  253: 'VAR_STRING',
  254: 'STRING',
  255: 'GEOMETRY'
}
export const columnTypeName = (t: number): string => TYPES[t] ?? `type ${t}`
/** Column types whose text values read as numbers, left unquoted in summaries. */
export const NUMERIC_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246])
/** A column definition's UNSIGNED flag. */
export const UNSIGNED_FLAG = 0x20

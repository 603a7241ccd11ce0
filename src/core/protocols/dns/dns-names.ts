// DNS's names for its numbers (RFC 1035, 3596, 2782, 6891 and the IANA registries): record
// types, classes, opcodes and response codes.

export const TYPES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  39: 'DNAME',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  50: 'NSEC3',
  52: 'TLSA',
  64: 'SVCB',
  65: 'HTTPS',
  250: 'TSIG',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA'
}

export const typeName = (t: number): string => TYPES[t] ?? `TYPE${t}`

export const CLASSES: Record<number, string> = { 1: 'IN', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' }

export const className = (c: number): string => CLASSES[c] ?? `CLASS${c}`

export const OPCODES: Record<number, string> = { 0: 'QUERY', 1: 'IQUERY', 2: 'STATUS', 4: 'NOTIFY', 5: 'UPDATE', 6: 'DSO' }

export const opcodeName = (o: number): string => OPCODES[o] ?? `OPCODE${o}`

export const RCODES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  16: 'BADVERS'
}

export const rcodeName = (r: number): string => RCODES[r] ?? `RCODE${r}`

/** EDNS option codes seen in everyday queries. */
export const EDNS_OPTIONS: Record<number, string> = { 3: 'NSID', 8: 'Client Subnet', 10: 'COOKIE', 11: 'TCP keepalive', 12: 'Padding', 15: 'Extended DNS Error' }

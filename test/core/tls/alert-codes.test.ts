// The TLS alert named in a Node error code, as each OpenSSL spells it: Node 20's OpenSSL 3.0
// (`SSLV3_ALERT_...`) and Node 22's 3.2+ (`SSL/TLS_ALERT_...`), so a hint keyed on the alert
// (pass --client-cert for handshake_failure) reads the same on both.
import { describe, expect, it } from 'vitest'
import { alertOf } from '../../../src/core/tls/tls-errors'

describe('alertOf', () => {
  it.each([
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake_failure'],
    ['ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE', 'handshake_failure'],
    ['ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE', 'bad_certificate'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'unknown_ca'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'certificate_required'],
    ['ERR_SSL_TLSV1_UNRECOGNIZED_NAME', 'unrecognized_name'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', undefined],
    [undefined, undefined]
  ])('%s reads as %s', (code, alert) => {
    expect(alertOf(code)).toBe(alert)
  })
})

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { toNodeError, verifyError } from '../../src/node/errors.js';
import { convertALPNProtocols, defaultServername, normalizeConnectArgs, parseAlpnProtocols } from '../../src/node/options.js';
import { TlsError } from '../../src/util/errors.js';
import { AlertDescription } from '../../src/wire/registry.js';

describe('connect() argument shapes', () => {
  const cb = () => {};

  it('options[, cb]', () => {
    assert.deepEqual(normalizeConnectArgs([{ port: 1, host: 'h' }, cb]), [{ port: 1, host: 'h' }, cb]);
  });

  it('port[, host][, options][, cb]; options override positional values, as in Node', () => {
    assert.deepEqual(normalizeConnectArgs([443]), [{ port: 443 }, undefined]);
    assert.deepEqual(normalizeConnectArgs(['443', 'example.com', cb]), [{ port: 443, host: 'example.com' }, cb]);
    assert.deepEqual(normalizeConnectArgs([8000, { ca: 'x' }, cb]), [{ port: 8000, ca: 'x' }, cb]);
    assert.deepEqual(normalizeConnectArgs([8000, 'a', { host: 'b' }]), [{ port: 8000, host: 'b' }, undefined]);
  });

  it('path[, options][, cb]', () => {
    assert.deepEqual(normalizeConnectArgs(['/tmp/s.sock', { servername: 'x' }]), [{ path: '/tmp/s.sock', servername: 'x' }, undefined]);
  });

  it('servername defaults to the host unless it is an IP literal (RFC 6066 §3)', () => {
    assert.equal(defaultServername('example.com'), 'example.com');
    assert.equal(defaultServername('127.0.0.1'), undefined);
    assert.equal(defaultServername('::1'), undefined);
    assert.equal(defaultServername(undefined), undefined);
  });
});

describe('ALPNProtocols', () => {
  it('accepts arrays of strings/Buffers and a wire-format Buffer', () => {
    assert.deepEqual(parseAlpnProtocols(['h2', Buffer.from('http/1.1')]), ['h2', 'http/1.1']);
    assert.deepEqual(parseAlpnProtocols(Buffer.from('\x02h2\x08http/1.1', 'latin1')), ['h2', 'http/1.1']);
    assert.equal(parseAlpnProtocols(undefined), undefined);
  });

  it('rejects empty or over-long names and malformed wire data', () => {
    assert.throws(() => parseAlpnProtocols(['x'.repeat(256)]), (e: Error & { code?: string }) => e.code === 'ERR_OUT_OF_RANGE');
    assert.throws(() => parseAlpnProtocols(['']), (e: Error & { code?: string }) => e.code === 'ERR_OUT_OF_RANGE');
    assert.throws(() => parseAlpnProtocols(Buffer.from([5, 0x61])), (e: Error & { code?: string }) => e.code === 'ERR_OUT_OF_RANGE');
    assert.throws(() => parseAlpnProtocols(42), (e: Error & { code?: string }) => e.code === 'ERR_INVALID_ARG_TYPE');
  });

  it('convertALPNProtocols writes the wire format, as node:tls does', () => {
    const out: { ALPNProtocols?: Buffer } = {};
    convertALPNProtocols(['h2', 'x'], out);
    assert.deepEqual(out.ALPNProtocols, Buffer.from('\x02h2\x01x', 'latin1'));
  });
});

describe('core failures become Node-style errors', () => {
  it('received alerts use OpenSSL’s SSLV3_/TLSV1_/TLSV13_ALERT names', () => {
    const cases: [number, string][] = [
      [AlertDescription.handshake_failure, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'],
      [AlertDescription.unknown_ca, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'],
      [AlertDescription.bad_certificate, 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'],
      [AlertDescription.protocol_version, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'],
      [AlertDescription.certificate_required, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'],
    ];
    for (const [alert, code] of cases) {
      const err = toNodeError(new TlsError(alert, 'PeerSentAlert', 'received', true));
      assert.equal(err.code, code);
      assert.match(err.message, new RegExp(`SSL alert number ${alert}`));
      assert.equal(err.alert, alert);
    }
  });

  it('local failures name what we detected', () => {
    assert.equal(toNodeError(new TlsError(AlertDescription.bad_record_mac, 'RecordDecryptionFailed', 'x')).code, 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
    assert.equal(toNodeError(new TlsError(AlertDescription.protocol_version, 'PeerOnlyOffersTls12', 'x')).code, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
    assert.equal(toNodeError(new TlsError(AlertDescription.decrypt_error, 'FinishedMismatch', 'x')).code, 'ERR_SSL_DIGEST_CHECK_FAILED');
    assert.equal(toNodeError(new TlsError(AlertDescription.internal_error, 'Oops', 'x')).code, 'ERR_SSL_INTERNAL_ERROR');
    const cause = new TlsError(AlertDescription.decode_error, 'MalformedMessage', 'bad length in ServerHello');
    const err = toNodeError(cause);
    assert.equal(err.cause, cause);
    assert.match(err.message, /bad length in ServerHello/);
  });

  it('verify errors carry OpenSSL’s message for the code', () => {
    const e = verifyError('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(e.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(e.message, 'unable to verify the first certificate');
    assert.equal(verifyError('CERT_HAS_EXPIRED').message, 'certificate has expired');
  });
});

describe('package entry', () => {
  it('loads through require() (Node 20 require(esm)) with the same functions and a default export', async () => {
    const esm = await import('../../src/index.js');
    const required = createRequire(import.meta.url)('../../src/index.js') as typeof esm;
    assert.equal(required.connect, esm.connect);
    assert.equal(required.default.createServer, esm.createServer);
    assert.equal(required.default.DEFAULT_ECDH_CURVE, 'auto');
  });
});

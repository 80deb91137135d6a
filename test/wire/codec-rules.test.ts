/** The wire rules the codec enforces, one behaviour per test, plus the TLS 1.2 shapes and alerts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteWriter, fromHex, toHex } from '../../src/util/bytes.js';
import { TlsError } from '../../src/util/errors.js';
import {
  HELLO_RETRY_REQUEST_RANDOM,
  checkExtensionsAllowed,
  checkSolicited,
  decodeAlert,
  decodeCertificateStatus,
  encodeCertificateStatus,
  decodeHandshake,
  encodeAlert,
  encodeHandshake,
  encodeKeyShareClientHello,
  extensionsAllowedIn,
  writeExtensionBlock,
} from '../../src/wire/handshake/index.js';
import { AlertDescription as A, ExtensionType as T, HandshakeType as H } from '../../src/wire/registry.js';
import type { CertificateMsg, CertificateRequest, ClientHello, NewSessionTicket, RawExtension, ServerHello } from '../../src/wire/types.js';
import * as V from '../vectors/rfc8448.js';

const TLS13 = 0x0304;
const TLS12 = 0x0303;

function throwsAlert(f: () => unknown, alert: number, reason?: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TlsError, `expected TlsError, got ${String(e)}`);
    assert.equal(e.alert, alert, `alert ${e.alert} (${e.reason}: ${e.message})`);
    if (reason) assert.equal(e.reason, reason);
    return true;
  });
}

function message(type: number, body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  w.u8(type).lengthPrefixed(3, body);
  return w.finish();
}

/** A ClientHello body with the given raw extension list, written verbatim. */
function clientHelloWith(exts: RawExtension[]): Uint8Array {
  return message(H.client_hello, (w) => {
    w.u16(TLS12).bytes(new Uint8Array(32)).vec8(new Uint8Array(0)).vec16(fromHex('1301')).vec8(fromHex('00'));
    writeExtensionBlock(w, exts);
  });
}

const base: ClientHello = decodeHandshake(fromHex(V.S3_CLIENT_CLIENT_HELLO), TLS13) as ClientHello;
const psk = { identities: [{ identity: fromHex('0102'), obfuscatedTicketAge: 7 }], binders: [new Uint8Array(32).fill(9)] };

describe('extension block rules', () => {
  it('rejects a ClientHello with the same extension twice (illegal_parameter, RFC 8446 §4.2)', () => {
    const sg = { type: T.supported_groups, data: fromHex('0002001d') };
    throwsAlert(() => decodeHandshake(clientHelloWith([sg, sg]), TLS13), A.illegal_parameter, 'DuplicateExtension');
  });

  it('rejects a ClientHello whose pre_shared_key is not last (illegal_parameter, §4.2.11)', () => {
    const raw = encodeHandshake({ ...base, extensions: [], ext: { ...base.ext, preSharedKey: psk } }, TLS13);
    const good = decodeHandshake(raw, TLS13) as ClientHello;
    assert.equal(good.extensions.at(-1)!.type, T.pre_shared_key);
    const reordered = [good.extensions.at(-1)!, ...good.extensions.slice(0, -1)];
    throwsAlert(() => decodeHandshake(clientHelloWith(reordered), TLS13), A.illegal_parameter, 'PreSharedKeyNotLastExtension');
  });

  it('encodes pre_shared_key last even when raw extensions follow it in the list', () => {
    const grease = { type: 0x0a0a, data: new Uint8Array(0) };
    const m: ClientHello = { ...base, extensions: [{ type: T.pre_shared_key, data: new Uint8Array(1) }, grease], ext: { ...base.ext, preSharedKey: psk } };
    const d = decodeHandshake(encodeHandshake(m, TLS13), TLS13) as ClientHello;
    assert.equal(d.extensions.at(-1)!.type, T.pre_shared_key);
    assert.ok(d.extensions.some((e) => e.type === 0x0a0a));
    assert.deepEqual(d.ext.preSharedKey, psk);
  });

  it('writes a changed typed field in place of the raw entry (second ClientHello after HRR)', () => {
    const share = { group: 0x17, keyExchange: new Uint8Array(65).fill(4) };
    const m: ClientHello = { ...base, ext: { ...base.ext, keyShares: [share] } };
    const d = decodeHandshake(encodeHandshake(m, TLS13), TLS13) as ClientHello;
    assert.deepEqual(d.extensions.map((e) => e.type), base.extensions.map((e) => e.type));
    assert.equal(toHex(d.extensions.find((e) => e.type === T.key_share)!.data), toHex(encodeKeyShareClientHello([share])));
  });

  it('rejects two key shares for one group (illegal_parameter, §4.2.8)', () => {
    const ks = { group: 0x1d, keyExchange: new Uint8Array(32) };
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...base, extensions: [], ext: { keyShares: [ks, ks] } }, TLS13), TLS13), A.illegal_parameter, 'DuplicateKeyShareGroup');
  });

  it('rejects a PSK offer whose binder count differs from its identity count', () => {
    const bad = { ...psk, binders: [...psk.binders, ...psk.binders] };
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...base, extensions: [], ext: { preSharedKey: bad } }, TLS13), TLS13), A.illegal_parameter, 'PskBinderCountMismatch');
  });

  it('rejects a malformed extension body with decode_error', () => {
    throwsAlert(() => decodeHandshake(clientHelloWith([{ type: T.supported_versions, data: fromHex('030304') }]), TLS13), A.decode_error);
    throwsAlert(() => decodeHandshake(clientHelloWith([{ type: T.extended_master_secret, data: fromHex('00') }]), TLS13), A.decode_error);
  });

  it('keeps unknown and GREASE extensions raw and in wire order', () => {
    const exts = [{ type: 0x1a1a, data: fromHex('00') }, { type: T.supported_groups, data: fromHex('0002001d') }, { type: 0xfafa, data: new Uint8Array(0) }];
    const raw = clientHelloWith(exts);
    const d = decodeHandshake(raw, TLS13) as ClientHello;
    assert.deepEqual(d.extensions.map((e) => e.type), [0x1a1a, T.supported_groups, 0xfafa]);
    assert.deepEqual(d.ext.supportedGroups, [0x1d]);
    assert.deepEqual(encodeHandshake(d, TLS13), raw);
  });
});

describe('extension placement (RFC 8446 §4.2 table)', () => {
  const ee = (exts: RawExtension[]) => message(H.encrypted_extensions, (w) => writeExtensionBlock(w, exts));

  it('rejects a recognised extension in the wrong TLS 1.3 message with illegal_parameter', () => {
    throwsAlert(() => decodeHandshake(ee([{ type: T.key_share, data: fromHex('001d0001ff') }]), TLS13), A.illegal_parameter, 'ExtensionNotAllowedInMessage');
    throwsAlert(() => decodeHandshake(ee([{ type: T.extended_master_secret, data: new Uint8Array(0) }]), TLS13), A.illegal_parameter);
    const sh = decodeHandshake(fromHex(V.S3_SERVER_SERVER_HELLO), TLS13) as ServerHello;
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...sh, ext: { ...sh.ext, alpn: 'h2' } }, TLS13), TLS13), A.illegal_parameter);
    const hrr = decodeHandshake(fromHex(V.S5_HELLO_RETRY_REQUEST), TLS13) as ServerHello;
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...hrr, extensions: [...hrr.extensions, { type: T.pre_shared_key, data: fromHex('0000') }] }, TLS13), TLS13), A.illegal_parameter);
    const nst = decodeHandshake(fromHex(V.S3_SERVER_NEW_SESSION_TICKET), TLS13) as NewSessionTicket;
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...nst, extensions: [{ type: T.server_name, data: new Uint8Array(0) }] }, TLS13), TLS13), A.illegal_parameter);
    const ct = decodeHandshake(fromHex(V.S3_SERVER_CERTIFICATE), TLS13) as CertificateMsg;
    const alpn = { type: T.application_layer_protocol_negotiation, data: fromHex('0003026832') };
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...ct, entries: [{ ...ct.entries[0]!, extensions: [alpn] }] }, TLS13), TLS13), A.illegal_parameter);
  });

  it('lets unrecognised extensions through (the unsolicited check handles them)', () => {
    const d = decodeHandshake(ee([{ type: 0x7777, data: fromHex('01') }]), TLS13);
    assert.equal(d.type, 'encrypted_extensions');
  });

  it('rejects TLS 1.3-only extensions in a TLS 1.2 ServerHello', () => {
    const sh12: ServerHello = {
      type: 'server_hello', legacyVersion: TLS12, random: new Uint8Array(32).fill(1), legacySessionIdEcho: new Uint8Array(0),
      cipherSuite: 0xc02f, compressionMethod: 0, isHelloRetryRequest: false, extensions: [], ext: { extendedMasterSecret: true, renegotiationInfo: new Uint8Array(0) },
    };
    const ok = decodeHandshake(encodeHandshake(sh12, TLS12), TLS12) as ServerHello;
    assert.equal(ok.ext.extendedMasterSecret, true);
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...sh12, ext: { ...sh12.ext, keyShare: { group: 0x1d, keyExchange: fromHex('00') } } }, TLS12), TLS12), A.illegal_parameter);
  });

  it('extensionsAllowedIn answers per message and version', () => {
    assert.ok(extensionsAllowedIn(H.client_hello, TLS13).has(T.padding));
    assert.ok(extensionsAllowedIn(H.encrypted_extensions, TLS13).has(T.application_layer_protocol_negotiation));
    assert.ok(!extensionsAllowedIn(H.server_hello, TLS13).has(T.application_layer_protocol_negotiation));
    assert.ok(extensionsAllowedIn(H.server_hello, TLS12).has(T.application_layer_protocol_negotiation));
    assert.ok(extensionsAllowedIn('hello_retry_request', TLS13).has(T.cookie));
    assert.ok(!extensionsAllowedIn(H.server_hello, TLS13).has(T.cookie));
    assert.ok(extensionsAllowedIn(H.certificate, TLS13).has(T.status_request));
    assert.ok(extensionsAllowedIn(H.new_session_ticket, TLS13).has(T.early_data));
    assert.doesNotThrow(() => checkExtensionsAllowed(H.certificate_request, [{ type: T.oid_filters, data: new Uint8Array(0) }], TLS13));
  });

  it('checkSolicited rejects an extension the client did not offer with unsupported_extension', () => {
    const got = [{ type: T.supported_versions, data: fromHex('0304') }, { type: T.cookie, data: fromHex('0001ff') }];
    throwsAlert(() => checkSolicited(got, [T.supported_versions, T.key_share]), A.unsupported_extension, 'UnsolicitedExtension');
    assert.doesNotThrow(() => checkSolicited(got, [T.supported_versions], [T.cookie]));
    assert.doesNotThrow(() => checkSolicited([T.key_share], new Set([T.key_share])));
  });
});

describe('message rules', () => {
  it('rejects message types that do not exist in the negotiated version (unexpected_message)', () => {
    for (const [type, version] of [[H.server_hello_done, TLS13], [H.encrypted_extensions, TLS12], [H.hello_verify_request, TLS13], [H.message_hash, TLS13], [99, TLS12]] as const) {
      throwsAlert(() => decodeHandshake(message(type, () => {}), version), A.unexpected_message, 'UnknownHandshakeMessageType');
    }
  });

  it('rejects a KeyUpdate request_update other than 0 or 1 with illegal_parameter (§4.6.3)', () => {
    throwsAlert(() => decodeHandshake(fromHex('1800000102'), TLS13), A.illegal_parameter, 'BadKeyUpdateRequest');
    assert.deepEqual(decodeHandshake(fromHex('1800000101'), TLS13), { type: 'key_update', requestUpdate: 1 });
  });

  it('rejects a header length that disagrees with the bytes present (decode_error)', () => {
    throwsAlert(() => decodeHandshake(fromHex('1400000201'), TLS13), A.decode_error);
    throwsAlert(() => decodeHandshake(fromHex('140000010102'), TLS13), A.decode_error);
    throwsAlert(() => decodeHandshake(fromHex('0e000001ff'), TLS12), A.decode_error);
  });

  it('rejects a 33-byte legacy_session_id and a server ALPN with two names', () => {
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...base, legacySessionId: new Uint8Array(33) }, TLS13), TLS13), A.decode_error);
    const sh12: ServerHello = {
      type: 'server_hello', legacyVersion: TLS12, random: new Uint8Array(32), legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0xc02f,
      compressionMethod: 0, isHelloRetryRequest: false, ext: {}, extensions: [{ type: T.application_layer_protocol_negotiation, data: fromHex('00060268320268') }],
    };
    throwsAlert(() => decodeHandshake(encodeHandshake(sh12, TLS12), TLS12), A.decode_error);
  });

  it('writes a HelloRetryRequest with the special random whatever `random` holds', () => {
    const hrr: ServerHello = {
      type: 'server_hello', legacyVersion: TLS12, random: new Uint8Array(32), legacySessionIdEcho: new Uint8Array(0), cipherSuite: 0x1301,
      compressionMethod: 0, isHelloRetryRequest: true, extensions: [], ext: { supportedVersion: TLS13, selectedGroup: 0x17 },
    };
    const d = decodeHandshake(encodeHandshake(hrr, TLS13), TLS13) as ServerHello;
    assert.equal(d.isHelloRetryRequest, true);
    assert.deepEqual(d.random, HELLO_RETRY_REQUEST_RANDOM);
    assert.equal(d.ext.selectedGroup, 0x17);
  });

  it('decodes a ClientHello without an extensions block (TLS 1.2 allows it)', () => {
    const raw = message(H.client_hello, (w) => w.u16(TLS12).bytes(new Uint8Array(32)).vec8(new Uint8Array(0)).vec16(fromHex('c02f')).vec8(fromHex('00')));
    const ch = decodeHandshake(raw, TLS12) as ClientHello;
    assert.deepEqual(ch.extensions, []);
    assert.deepEqual(ch.cipherSuites, [0xc02f]);
    assert.deepEqual(encodeHandshake(ch, TLS12), raw);
  });
});

describe('TLS 1.2 shapes (RFC 5246, RFC 5077)', () => {
  it('Certificate has no context and no per-entry extensions', () => {
    const raw = fromHex('0b00000c' + '000009' + '0000023000' + '00000101');
    const ct = decodeHandshake(raw, TLS12) as CertificateMsg;
    assert.equal(ct.context.length, 0);
    assert.deepEqual(ct.entries.map((e) => toHex(e.certData)), ['3000', '01']);
    assert.deepEqual(encodeHandshake(ct, TLS12), raw);
    // the same bytes are malformed as a TLS 1.3 Certificate
    throwsAlert(() => decodeHandshake(raw, TLS13), A.decode_error);
  });

  it('CertificateRequest carries certificate_types, signature algorithms and CA names', () => {
    const raw = message(H.certificate_request, (w) => {
      w.vec8(fromHex('0140'));
      w.vec16(fromHex('04010403'));
      w.lengthPrefixed(2, (l) => l.vec16(fromHex('3003020101')));
    });
    const cr = decodeHandshake(raw, TLS12) as CertificateRequest;
    assert.deepEqual(cr.certificateTypes, [1, 64]);
    assert.deepEqual(cr.ext.signatureAlgorithms, [0x0401, 0x0403]);
    assert.deepEqual(cr.ext.certificateAuthorities?.map(toHex), ['3003020101']);
    assert.deepEqual(encodeHandshake(cr, TLS12), raw);
  });

  it('NewSessionTicket is lifetime_hint + ticket (RFC 5077 §3.3), an empty ticket allowed', () => {
    const nst = decodeHandshake(fromHex('0400000a' + '00001c20' + '0004' + 'deadbeef'), TLS12) as NewSessionTicket;
    assert.equal(nst.lifetime, 7200);
    assert.equal(toHex(nst.ticket), 'deadbeef');
    assert.equal((decodeHandshake(fromHex('04000006000000000000'), TLS12) as NewSessionTicket).ticket.length, 0);
  });

  it('key exchange bodies stay opaque and ServerHelloDone must be empty', () => {
    assert.deepEqual(decodeHandshake(fromHex('0c000003030017'), TLS12), { type: 'server_key_exchange', body: fromHex('030017') });
    assert.deepEqual(decodeHandshake(fromHex('100000020100'), TLS12), { type: 'client_key_exchange', body: fromHex('0100') });
    assert.deepEqual(decodeHandshake(fromHex('0e000000'), TLS12), { type: 'server_hello_done' });
  });
});

describe('body codecs', () => {
  it('CertificateStatus carries one DER OCSP response', () => {
    assert.equal(toHex(decodeCertificateStatus(encodeCertificateStatus(fromHex('3003')))), '3003');
    throwsAlert(() => decodeCertificateStatus(fromHex('02000001ff')), A.decode_error);
    throwsAlert(() => decodeCertificateStatus(fromHex('01000000')), A.decode_error);
  });
  it('a TLS 1.3 ServerHello with supported_versions below 1.3 is illegal_parameter (§4.2.1)', () => {
    const sh = decodeHandshake(fromHex(V.S3_SERVER_SERVER_HELLO), TLS13) as ServerHello;
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...sh, ext: { ...sh.ext, supportedVersion: TLS12 } }, TLS13), TLS13), A.illegal_parameter);
    throwsAlert(() => decodeHandshake(encodeHandshake({ ...sh, extensions: sh.extensions.map((e) => (e.type === T.supported_versions ? { ...e, data: fromHex('03') } : e)), ext: {} }, TLS13), TLS13), A.decode_error);
  });
  it('encoding a field longer than its length prefix is an internal_error TlsError', () => {
    throwsAlert(() => encodeHandshake({ type: 'certificate_verify', scheme: 0x0804, signature: new Uint8Array(70000) }, TLS13), A.internal_error, 'HandshakeFieldTooLong');
  });
});

describe('alerts', () => {
  it('encodes and decodes level + description', () => {
    assert.equal(toHex(encodeAlert(2, A.handshake_failure)), '0228');
    assert.deepEqual(decodeAlert(fromHex('0100')), { level: 1, description: 0 });
    assert.deepEqual(decodeAlert(fromHex('02ff')), { level: 2, description: 255 });
  });
  it('rejects anything but exactly two bytes with decode_error, and an unknown level with illegal_parameter', () => {
    throwsAlert(() => decodeAlert(fromHex('02')), A.decode_error);
    throwsAlert(() => decodeAlert(fromHex('022800')), A.decode_error);
    throwsAlert(() => decodeAlert(new Uint8Array(0)), A.decode_error);
    throwsAlert(() => decodeAlert(fromHex('0328')), A.illegal_parameter);
  });
});

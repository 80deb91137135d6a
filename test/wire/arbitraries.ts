/** fast-check generators of valid handshake messages (TLS 1.3 and TLS 1.2 shapes) for the codec property tests. */
import fc from 'fast-check';
import { isRecognisedExtension } from '../../src/wire/extension-rules.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../src/wire/handshake/index.js';
import type { HandshakeMessage, RawExtension } from '../../src/wire/types.js';

export const TLS13 = 0x0304;
export const TLS12 = 0x0303;

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (minLength = 0, maxLength = 40) => fc.uint8Array({ minLength, maxLength });
const u16s = fc.array(u16, { minLength: 1, maxLength: 12 });
const u8s = fc.array(u8, { minLength: 1, maxLength: 6 });
const name = fc.stringMatching(/^[a-z0-9.-]{1,24}$/);
const yes = fc.constant(true as const);
const random = bytes(32, 32);
const sessionId = bytes(0, 32);
const keyShare = fc.record({ group: u16, keyExchange: bytes(1, 70) });
const dns = fc.array(bytes(1, 30), { minLength: 1, maxLength: 3 });

/** Raw extensions of types nobody recognises (GREASE and private values), unique by type. */
const unknownExtensions = fc.uniqueArray(
  fc.record({ type: u16.filter((t) => !isRecognisedExtension(t)), data: bytes(0, 20) }),
  { maxLength: 3, selector: (e: RawExtension) => e.type },
);

// fc.record with optional keys builds null-prototype objects; spread them so deepStrictEqual compares plain objects.
const opt = <T>(rec: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(rec, { requiredKeys: [] }).map((o) => ({ ...o }));

const clientHello = fc.record({
  type: fc.constant('client_hello' as const),
  legacyVersion: fc.constant(TLS12),
  random,
  legacySessionId: sessionId,
  cipherSuites: u16s,
  compressionMethods: bytes(1, 3),
  extensions: unknownExtensions,
  ext: opt({
    serverName: name,
    supportedVersions: u16s,
    supportedGroups: u16s,
    signatureAlgorithms: u16s,
    signatureAlgorithmsCert: u16s,
    keyShares: fc.uniqueArray(keyShare, { maxLength: 3, selector: (k) => k.group }),
    alpn: fc.array(name, { minLength: 1, maxLength: 4 }),
    cookie: bytes(1, 40),
    pskKeyExchangeModes: u8s,
    preSharedKey: fc.integer({ min: 1, max: 3 }).chain((n) =>
      fc.record({
        identities: fc.array(fc.record({ identity: bytes(1, 40), obfuscatedTicketAge: u32 }), { minLength: n, maxLength: n }),
        binders: fc.array(bytes(32, 48), { minLength: n, maxLength: n }),
      }),
    ),
    earlyData: yes,
    statusRequest: yes,
    ecPointFormats: u8s,
    renegotiationInfo: bytes(0, 12),
    extendedMasterSecret: yes,
    encryptThenMac: yes,
    sessionTicket: bytes(0, 40),
    postHandshakeAuth: yes,
    recordSizeLimit: u16,
    certificateAuthorities: dns,
    npn: yes,
  }),
});

/** A ServerHello whose fields are all drawn except `random`, the HRR flag and the extensions (RFC 8446 §4.1.3). */
const serverHello = <E>(random: fc.Arbitrary<Uint8Array>, isHelloRetryRequest: boolean, ext: fc.Arbitrary<E>) =>
  fc.record({
    type: fc.constant('server_hello' as const),
    legacyVersion: fc.constant(TLS12),
    random,
    legacySessionIdEcho: sessionId,
    cipherSuite: u16,
    compressionMethod: fc.constant(0),
    isHelloRetryRequest: fc.constant(isHelloRetryRequest),
    extensions: unknownExtensions,
    ext,
  });

const serverHello13 = serverHello(
  random,
  false,
  fc.record({ supportedVersion: fc.constant(TLS13), keyShare, preSharedKey: u16 }, { requiredKeys: ['supportedVersion'] }).map((o) => ({ ...o })),
);

const helloRetryRequest = serverHello(
  fc.constant(HELLO_RETRY_REQUEST_RANDOM),
  true,
  fc.record({ supportedVersion: fc.constant(TLS13), selectedGroup: u16, cookie: bytes(1, 40) }, { requiredKeys: ['supportedVersion'] }).map((o) => ({ ...o })),
);

const serverHello12 = serverHello(
  random,
  false,
  opt({
    renegotiationInfo: bytes(0, 12),
    extendedMasterSecret: yes,
    encryptThenMac: yes,
    ecPointFormats: u8s,
    sessionTicket: yes,
    alpn: name,
    serverName: yes,
    statusRequest: yes,
    npnProtocols: fc.array(name, { maxLength: 3 }),
    recordSizeLimit: u16,
  }),
);

const encryptedExtensions = fc.record({
  type: fc.constant('encrypted_extensions' as const),
  extensions: unknownExtensions,
  ext: opt({ serverName: yes, alpn: name, supportedGroups: u16s, earlyData: yes, recordSizeLimit: u16, maxFragmentLength: u8 }),
});

const certificate13 = fc.record({
  type: fc.constant('certificate' as const),
  context: bytes(0, 8),
  entries: fc.array(fc.record({ certData: bytes(1, 60), extensions: unknownExtensions }), { maxLength: 3 }),
});
const certificate12 = fc.record({
  type: fc.constant('certificate' as const),
  context: fc.constant(new Uint8Array(0)),
  entries: fc.array(fc.record({ certData: bytes(1, 60), extensions: fc.constant<RawExtension[]>([]) }), { maxLength: 3 }),
});

const certificateRequest13 = fc.record({
  type: fc.constant('certificate_request' as const),
  context: bytes(0, 8),
  extensions: unknownExtensions,
  ext: opt({ signatureAlgorithms: u16s, signatureAlgorithmsCert: u16s, certificateAuthorities: dns, statusRequest: yes }),
});
const certificateRequest12 = fc.record({
  type: fc.constant('certificate_request' as const),
  context: fc.constant(new Uint8Array(0)),
  certificateTypes: u8s,
  extensions: fc.constant<RawExtension[]>([]),
  ext: fc.record({ signatureAlgorithms: u16s, certificateAuthorities: fc.array(bytes(1, 30), { maxLength: 3 }) }),
});

const certificateVerify = fc.record({ type: fc.constant('certificate_verify' as const), scheme: u16, signature: bytes(0, 80) });
const finished = fc.record({ type: fc.constant('finished' as const), verifyData: bytes(0, 48) });

const newSessionTicket13 = fc.record({
  type: fc.constant('new_session_ticket' as const),
  lifetime: u32,
  ageAdd: u32,
  nonce: bytes(0, 8),
  ticket: bytes(1, 60),
  extensions: unknownExtensions,
  ext: opt({ maxEarlyDataSize: u32 }),
});
const newSessionTicket12 = fc.record({
  type: fc.constant('new_session_ticket' as const),
  lifetime: u32,
  ageAdd: fc.constant(0),
  nonce: fc.constant(new Uint8Array(0)),
  ticket: bytes(0, 60),
  extensions: fc.constant<RawExtension[]>([]),
  ext: fc.constant({}),
});

const keyUpdate = fc.record({ type: fc.constant('key_update' as const), requestUpdate: fc.constantFrom(0 as const, 1 as const) });
const opaque = (type: 'server_key_exchange' | 'client_key_exchange') => fc.record({ type: fc.constant(type), body: bytes(0, 60) });

const message13: fc.Arbitrary<HandshakeMessage> = fc.oneof(
  clientHello,
  serverHello13,
  helloRetryRequest,
  encryptedExtensions,
  certificate13,
  certificateRequest13,
  certificateVerify,
  finished,
  newSessionTicket13,
  keyUpdate,
  fc.constant({ type: 'end_of_early_data' as const }),
);

const message12: fc.Arbitrary<HandshakeMessage> = fc.oneof(
  clientHello,
  serverHello12,
  certificate12,
  certificateRequest12,
  certificateVerify,
  finished,
  newSessionTicket12,
  opaque('server_key_exchange'),
  opaque('client_key_exchange'),
  fc.constant({ type: 'server_hello_done' as const }),
  fc.constant({ type: 'hello_request' as const }),
);

/** A valid message with the version it is encoded for. */
export const versionedMessage = fc.oneof(
  message13.map((m) => ({ m, version: TLS13 })),
  message12.map((m) => ({ m, version: TLS12 })),
);

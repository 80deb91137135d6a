/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) as a chain of stage classes, so that only the
 * derivations legal at each stage can be written:
 *
 *   EarlySecret.fromPsk(psk | none)   binder keys, client_early_traffic_secret, early exporter
 *     └─ .handshake(ecdhe)  → HandshakeSecret   client/server handshake traffic secrets
 *          └─ .master()      → MasterSecret      application traffic, exporter, resumption secrets
 *
 * Plus the pieces around it: HKDF-Expand-Label, Derive-Secret, Finished (§4.4.4), traffic keys
 * (§7.3), KeyUpdate (§7.2), exporters (§7.5) and ticket PSKs (§4.6.1). All synchronous; every
 * function takes the provider so tests can replay RFC 8448 with a deterministic one.
 */
import type { CryptoProvider, HashAlgorithm } from '../../crypto/provider.js';
import type { SuiteRow } from '../../suites/suites.js';
import { utf8 } from '../../util/bytes.js';

const EMPTY = new Uint8Array(0);
const LABEL_PREFIX = 'tls13 ';
/** HkdfLabel.label is opaque<7..255> including the "tls13 " prefix (§7.1). */
const MAX_LABEL_LENGTH = 255;
const MAX_CONTEXT_LENGTH = 255;

/**
 * HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length),
 *   struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } (§7.1)
 */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array,
  label: string | Uint8Array,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const l = typeof label === 'string' ? utf8.encode(label) : label;
  const fullLen = LABEL_PREFIX.length + l.length;
  if (fullLen > MAX_LABEL_LENGTH || context.length > MAX_CONTEXT_LENGTH || length > 0xffff) {
    throw new RangeError('HKDF-Expand-Label argument too long');
  }
  const info = new Uint8Array(2 + 1 + fullLen + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLen;
  for (let i = 0; i < LABEL_PREFIX.length; i++) info[3 + i] = LABEL_PREFIX.charCodeAt(i);
  info.set(l, 3 + LABEL_PREFIX.length);
  info[3 + fullLen] = context.length;
  info.set(context, 4 + fullLen);
  return provider.hkdfExpand(hash, secret, info, length);
}

/** Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length). */
export function deriveSecret(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, label, transcriptHash, provider.hashLength(hash));
}

/**
 * Per-provider constants of the schedule: Hash("") and, for handshakes without a PSK, the Early
 * Secret and its "derived" salt, which depend only on the hash (§7.1 with PSK = zeros). Computed
 * once instead of on every handshake (two HMACs and two hashes per side). Never mutated.
 */
interface HashConstants {
  emptyHash: Uint8Array;
  noPskEarly?: Uint8Array;
  noPskSalt?: Uint8Array;
}
const constants = new WeakMap<CryptoProvider, Map<HashAlgorithm, HashConstants>>();

function constantsFor(provider: CryptoProvider, hash: HashAlgorithm): HashConstants {
  let byHash = constants.get(provider);
  if (!byHash) constants.set(provider, (byHash = new Map()));
  let c = byHash.get(hash);
  if (!c) byHash.set(hash, (c = { emptyHash: provider.digest(hash, EMPTY) }));
  return c;
}

/** Transcript-Hash of no messages, Hash("") (cached per provider and hash). */
function emptyHash(provider: CryptoProvider, hash: HashAlgorithm): Uint8Array {
  return constantsFor(provider, hash).emptyHash;
}

/** Derive-Secret(secret, "derived", "") (§7.1 figure): the salt of the next stage's HKDF-Extract. */
function derivedSalt(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array): Uint8Array {
  return deriveSecret(provider, hash, secret, 'derived', emptyHash(provider, hash));
}

/** Derive-Secret(secret, "derived", "") then HKDF-Extract with the next input (§7.1 figure). */
function nextStage(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, ikm: Uint8Array): Uint8Array {
  return provider.hkdfExtract(hash, derivedSalt(provider, hash, secret), ikm);
}

/** Common state of a stage: the provider, the suite hash and the stage secret (never exported). */
abstract class Stage {
  protected constructor(
    protected readonly provider: CryptoProvider,
    readonly hash: HashAlgorithm,
    protected readonly secret: Uint8Array,
  ) {}

  protected derive(label: string, transcriptHash: Uint8Array): Uint8Array {
    if (transcriptHash.length !== this.provider.hashLength(this.hash)) {
      throw new RangeError(`transcript hash of ${transcriptHash.length} bytes for ${this.hash}`);
    }
    return deriveSecret(this.provider, this.hash, this.secret, label, transcriptHash);
  }

  /** The raw stage secret, for RFC 8448 tests only: nothing in the protocol needs it. */
  secretForTesting(): Uint8Array {
    return this.secret;
  }
}

/** Early Secret = HKDF-Extract(0, PSK) (§7.1). Without a PSK, PSK = Hash.length zeros. */
export class EarlySecret extends Stage {
  static fromPsk(provider: CryptoProvider, hash: HashAlgorithm, psk?: Uint8Array): EarlySecret {
    const zeros = new Uint8Array(provider.hashLength(hash));
    if (psk) return new EarlySecret(provider, hash, provider.hkdfExtract(hash, zeros, psk));
    const c = constantsFor(provider, hash);
    c.noPskEarly ??= provider.hkdfExtract(hash, zeros, zeros);
    return new EarlySecret(provider, hash, c.noPskEarly, true);
  }

  private constructor(
    provider: CryptoProvider,
    hash: HashAlgorithm,
    secret: Uint8Array,
    /** The secret is the shared no-PSK constant, so its "derived" salt is one too. */
    private readonly noPsk = false,
  ) {
    super(provider, hash, secret);
  }

  /** binder_key = Derive-Secret(., "ext binder" | "res binder", "") (§7.1; §4.2.11.2 for its use). */
  binderKey(resumption: boolean): Uint8Array {
    return this.derive(resumption ? 'res binder' : 'ext binder', emptyHash(this.provider, this.hash));
  }

  /** client_early_traffic_secret = Derive-Secret(., "c e traffic", ClientHello). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.derive('c e traffic', clientHelloHash);
  }

  /** early_exporter_master_secret = Derive-Secret(., "e exp master", ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.derive('e exp master', clientHelloHash);
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE). Use zeros for psk_ke. */
  handshake(sharedSecret?: Uint8Array): HandshakeSecret {
    const ikm = sharedSecret ?? new Uint8Array(this.provider.hashLength(this.hash));
    // Without a PSK the salt is a per-hash constant too (see HashConstants).
    const salt = this.noPsk
      ? (constantsFor(this.provider, this.hash).noPskSalt ??= derivedSalt(this.provider, this.hash, this.secret))
      : derivedSalt(this.provider, this.hash, this.secret);
    return new HandshakeSecret(this.provider, this.hash, this.provider.hkdfExtract(this.hash, salt, ikm));
  }
}

export class HandshakeSecret extends Stage {
  /** @internal built by EarlySecret.handshake() only */
  constructor(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array) {
    super(provider, hash, secret);
  }

  /** client_handshake_traffic_secret = Derive-Secret(., "c hs traffic", ClientHello...ServerHello). */
  clientHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.derive('c hs traffic', helloHash);
  }

  /** server_handshake_traffic_secret = Derive-Secret(., "s hs traffic", ClientHello...ServerHello). */
  serverHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.derive('s hs traffic', helloHash);
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0). */
  master(): MasterSecret {
    const zeros = new Uint8Array(this.provider.hashLength(this.hash));
    return new MasterSecret(this.provider, this.hash, nextStage(this.provider, this.hash, this.secret, zeros));
  }
}

export class MasterSecret extends Stage {
  /** @internal built by HandshakeSecret.master() only */
  constructor(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array) {
    super(provider, hash, secret);
  }

  /** client_application_traffic_secret_0 = Derive-Secret(., "c ap traffic", ClientHello...server Finished). */
  clientApplicationTrafficSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.derive('c ap traffic', serverFinishedHash);
  }

  /** server_application_traffic_secret_0 = Derive-Secret(., "s ap traffic", ClientHello...server Finished). */
  serverApplicationTrafficSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.derive('s ap traffic', serverFinishedHash);
  }

  /** exporter_master_secret = Derive-Secret(., "exp master", ClientHello...server Finished). */
  exporterMasterSecret(serverFinishedHash: Uint8Array): Uint8Array {
    return this.derive('exp master', serverFinishedHash);
  }

  /** resumption_master_secret = Derive-Secret(., "res master", ClientHello...client Finished). */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return this.derive('res master', clientFinishedHash);
  }
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (§4.4.4). */
export function finishedKey(provider: CryptoProvider, hash: HashAlgorithm, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, baseKey, 'finished', EMPTY, provider.hashLength(hash));
}

/**
 * verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*)) (§4.4.4).
 * BaseKey is the sender's handshake traffic secret (or the binder key for PSK binders, §4.2.11.2).
 * A received value is compared in constant time (auth.ts verifyFinished, util/ct.ts).
 */
export function finishedVerifyData(provider: CryptoProvider, hash: HashAlgorithm, baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  return provider.hmac(hash, finishedKey(provider, hash, baseKey), transcriptHash);
}

export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/** TLS 1.3 per-record nonces are 12 bytes for every suite (§5.3: iv_length = max(8, N_MIN) = 12). */
const TLS13_IV_LENGTH = 12;

/**
 * [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)
 * [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length)  (§7.3)
 */
export function trafficKeys(provider: CryptoProvider, suite: Pick<SuiteRow, 'hash' | 'keyLength'>, secret: Uint8Array): TrafficKeys {
  return {
    key: hkdfExpandLabel(provider, suite.hash, secret, 'key', EMPTY, suite.keyLength),
    iv: hkdfExpandLabel(provider, suite.hash, secret, 'iv', EMPTY, TLS13_IV_LENGTH),
  };
}

/** application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length) (§7.2). */
export function nextTrafficSecret(provider: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, 'traffic upd', EMPTY, provider.hashLength(hash));
}

/**
 * TLS-Exporter(label, context_value, key_length) =
 *   HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)  (§7.5)
 * Secret is the exporter_master_secret (or early_exporter_master_secret). §7.5: "no context" and
 * an empty context are the same in TLS 1.3, so `undefined` hashes the empty string.
 */
export function exporter(
  provider: CryptoProvider,
  hash: HashAlgorithm,
  exporterMasterSecret: Uint8Array,
  label: string | Uint8Array,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  const perLabel = hkdfExpandLabel(provider, hash, exporterMasterSecret, label, emptyHash(provider, hash), provider.hashLength(hash));
  return hkdfExpandLabel(provider, hash, perLabel, 'exporter', provider.digest(hash, context ?? EMPTY), length);
}

/** PSK for a ticket = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) (§4.6.1). */
export function resumptionPsk(provider: CryptoProvider, hash: HashAlgorithm, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, resumptionMasterSecret, 'resumption', ticketNonce, provider.hashLength(hash));
}

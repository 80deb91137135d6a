/**
 * What the TLS 1.3 state machines need from the suite table and the key schedule, in the shapes
 * the states use: suite parameters, the secrets of one handshake in RFC 8446 §7.1 order, Finished
 * data (§4.4.4), traffic keys (§7.3), KeyUpdate (§7.2) and the exporter (§7.5). The derivations
 * themselves are key-schedule.ts; this adapter keeps the states independent of its details.
 */
import { HASH_LENGTHS, type AeadAlgorithm, type CryptoProvider, type HashAlgorithm } from '../../crypto/provider.js';
import { SUITES } from '../../suites/suites.js';
import { TlsError } from '../../util/errors.js';
import { AlertDescription, ProtocolVersion } from '../../wire/registry.js';
import type { TrafficKeyInstall } from '../common/state.js';
import * as ks from './key-schedule.js';

export interface Tls13Suite {
  readonly id: number;
  readonly hash: HashAlgorithm;
  readonly hashLen: number;
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
}

/**
 * One frozen Tls13Suite per suite id, shared by every connection: each handshake state and the
 * post-handshake ExpectTraffic keep the suite, and a fresh object per lookup was one more object
 * retained per idle connection.
 */
const tls13Suites = new Map<number, Tls13Suite>();
for (const row of SUITES) {
  if (!row.versions.includes(ProtocolVersion.TLSv1_3) || row.cipher.kind !== 'aead') continue;
  tls13Suites.set(row.id, Object.freeze({ id: row.id, hash: row.hash, hashLen: HASH_LENGTHS[row.hash], aead: row.cipher.aead, keyLength: row.keyLength }));
}

/** A TLS 1.3 AEAD suite from the suite table, or undefined (unknown, TLS 1.2-only, or not AEAD). */
export function tls13Suite(id: number): Tls13Suite | undefined {
  return tls13Suites.get(id);
}

/** Secrets available after ServerHello (the Handshake Secret stage). No PSK yet: the early secret is from zeros. */
export class HandshakeSecrets {
  readonly clientTraffic: Uint8Array;
  readonly serverTraffic: Uint8Array;
  private readonly stage: ks.HandshakeSecret;

  /** `helloHash` = Transcript-Hash(ClientHello..ServerHello). */
  constructor(
    p: CryptoProvider,
    readonly suite: Tls13Suite,
    sharedSecret: Uint8Array,
    helloHash: Uint8Array,
  ) {
    this.stage = ks.EarlySecret.fromPsk(p, suite.hash).handshake(sharedSecret);
    this.clientTraffic = this.stage.clientHandshakeTrafficSecret(helloHash);
    this.serverTraffic = this.stage.serverHandshakeTrafficSecret(helloHash);
  }

  /** `serverFinishedHash` = Transcript-Hash(ClientHello..server Finished). */
  master(serverFinishedHash: Uint8Array): ApplicationSecrets {
    const m = this.stage.master();
    return {
      suite: this.suite,
      master: m,
      clientTraffic: m.clientApplicationTrafficSecret(serverFinishedHash),
      serverTraffic: m.serverApplicationTrafficSecret(serverFinishedHash),
      exporterMaster: m.exporterMasterSecret(serverFinishedHash),
    };
  }
}

export interface ApplicationSecrets {
  suite: Tls13Suite;
  /** For resumption_master_secret (§7.1) at the end of the handshake; not kept past it. */
  master: ks.MasterSecret;
  clientTraffic: Uint8Array;
  serverTraffic: Uint8Array;
  exporterMaster: Uint8Array;
}

/** RFC 8446 §4.4.4 verify_data for the sender whose handshake traffic secret is `trafficSecret`. */
export function finishedVerifyData(p: CryptoProvider, s: Tls13Suite, trafficSecret: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  return ks.finishedVerifyData(p, s.hash, trafficSecret, transcriptHash);
}

/** One direction's record protection: the shape HandshakeIo.setReadKey/setWriteKey install. */
export type TrafficKey = TrafficKeyInstall;

/** RFC 8446 §7.3: one direction's record protection from a traffic secret. */
export function trafficKey(p: CryptoProvider, s: Tls13Suite, secret: Uint8Array): TrafficKey {
  const k = ks.trafficKeys(p, s, secret);
  return { aead: p.aead(s.aead, k.key), iv: k.iv };
}

/** RFC 8446 §7.2 KeyUpdate. */
export function nextTrafficSecret(p: CryptoProvider, s: Tls13Suite, secret: Uint8Array): Uint8Array {
  return ks.nextTrafficSecret(p, s.hash, secret);
}

/** Exporter output limit: HKDF-Expand yields at most 255 hash blocks (RFC 5869 §2.3). */
export function maxExportLength(s: Tls13Suite): number {
  return 255 * s.hashLen;
}

/** RFC 8446 §7.5 TLS-Exporter; an absent context hashes like an empty one in TLS 1.3. */
export function exportKeyingMaterial(p: CryptoProvider, s: Tls13Suite, exporterMaster: Uint8Array, label: string, context: Uint8Array | undefined, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > maxExportLength(s)) {
    throw new TlsError(AlertDescription.internal_error, 'ExporterLengthOutOfRange', `exporter length must be 0..${maxExportLength(s)}`);
  }
  return ks.exporter(p, s.hash, exporterMaster, label, context, length);
}

/**
 * The faults of the hostile-peer suite, as data the MITM applies (mitm.ts) and the outcome each
 * one must produce: which alert the victim writes, whether a clean end is acceptable. Alert
 * choices quote RFC 8446; where OpenSSL differs, the node:tls expectation says so.
 */
import { randomBytes } from 'node:crypto';
import { usingNode } from '../support/impl.js';
import { MAX_EMPTY_RECORDS_IN_ROW, MAX_KEY_UPDATES_PER_WINDOW } from '../../src/connection/index.js';
import { concatBytes } from '../../src/util/bytes.js';
import { CT, HS, asIs, type Dir, type Fault, type Item, type Out } from './mitm.js';

/** Every alert RFC 8446 §6 defines for TLS 1.3 (a mutated message may earn any of them). */
export const KNOWN_ALERTS = [0, 10, 20, 22, 40, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 70, 71, 80, 86, 90, 109, 110, 111, 112, 113, 115, 116, 120];
export const A = { unexpected_message: 10, bad_record_mac: 20, record_overflow: 22, illegal_parameter: 47, decode_error: 50, decrypt_error: 51 } as const;

/** OpenSSL's reason for a received alert, as both implementations put it in the error code. */
export const RECEIVED: Record<number, string> = {
  40: 'SSLV3_ALERT_HANDSHAKE_FAILURE',
  42: 'SSLV3_ALERT_BAD_CERTIFICATE',
  47: 'SSLV3_ALERT_ILLEGAL_PARAMETER',
  48: 'TLSV1_ALERT_UNKNOWN_CA',
  50: 'TLSV1_ALERT_DECODE_ERROR',
  80: 'TLSV1_ALERT_INTERNAL_ERROR',
};

export interface Expect {
  /** The first fatal alert the victim writes must be one of these. */
  alerts?: number[];
  /** The victim received this alert: its error names it and it writes no fatal alert itself. */
  received?: number;
  /** 'no': must fail; 'ok': may fail or end cleanly; 'only': must end cleanly. */
  clean: 'no' | 'ok' | 'only';
  /** The fault may be detected by either side first (a transcript mismatch): one side must fail. */
  eitherSide?: boolean;
}

export interface Built {
  fault: Fault;
  fired(): boolean;
  expect: Expect;
}

// ---- faults ----------------------------------------------------------------------------------------

/** Sealed items in a genuine run: c2s Certificate, CertificateVerify, Finished, data, close_notify;
 * s2c EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished, tickets... */
const HS_FLIGHT: Record<Dir, number> = { c2s: 3, s2c: 5 };

function once(pred: (i: Item) => boolean, act: (i: Item) => Out[], expect: Expect): Built {
  let fired = false;
  return {
    fault: {
      onItem(item) {
        if (fired || !pred(item)) return undefined;
        fired = true;
        return act(item);
      },
    },
    fired: () => fired,
    expect,
  };
}

/** The nth sealed record of `dir`, unless it is an alert (the closing close_notify is out of scope). */
const sealedAt = (dir: Dir, nth: number) => (i: Item) => i.dir === dir && i.sealedIndex === nth && i.type !== CT.alert;
/** RFC 8446 §5: a CCS other than 0x01 MUST get unexpected_message; OpenSSL sends illegal_parameter. */
const BAD_CCS = usingNode ? [10, 47] : [10];
const firstPlainHs = (dir: Dir) => (i: Item) => i.dir === dir && i.epoch === 'plain' && i.type === CT.handshake;
const firstApp = (dir: Dir) => (i: Item) => i.dir === dir && i.epoch === 'app';
const flip = (pos: number, bit: number) => (rec: Uint8Array) => {
  const c = rec.slice();
  c[5 + (pos % (c.length - 5))]! ^= 1 << bit;
  return c;
};
const withLength = (msg: Uint8Array, bodyLen: number) => {
  const m = msg.slice(0, 4 + bodyLen);
  m[1] = bodyLen >> 16;
  m[2] = (bodyLen >> 8) & 0xff;
  m[3] = bodyLen & 0xff;
  return m;
};
const ccs = (v = 1): Out => ({ plain: { type: CT.ccs, content: Uint8Array.of(v) } });

/** Offset of the extensions block (after its 2-byte length) in a ClientHello/ServerHello message. */
function helloExtensionsAt(msg: Uint8Array): number {
  let o = 4 + 2 + 32;
  o += 1 + msg[o]!; // legacy_session_id
  if (msg[0] === HS.clientHello) {
    o += 2 + ((msg[o]! << 8) | msg[o + 1]!); // cipher_suites
    o += 1 + msg[o]!; // compression_methods
  } else {
    o += 2 + 1; // cipher_suite, compression_method
  }
  return o + 2;
}

export type Spec = { k: string; dir: Dir } & Record<string, unknown>;

export function build(spec: Spec): Built {
  const { dir } = spec;
  const n = (x: unknown) => x as number;
  switch (spec.k) {
    case 'flip':
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: i, patch: flip(n(spec.pos), n(spec.bit)) }], { alerts: [A.bad_record_mac], clean: 'no' });
    case 'oversizedCiphertext': {
      const len = (1 << 14) + 256 + 1;
      return once(sealedAt(dir, n(spec.nth)), () => [{ raw: concatBytes(Uint8Array.of(CT.appData, 3, 3, len >> 8, len & 0xff), randomBytes(len)) }], { alerts: [A.record_overflow], clean: 'no' });
    }
    case 'oversizedPlaintext': {
      const pad = (c: Uint8Array) => {
        const big = new Uint8Array((1 << 14) + 1);
        big.set(c.subarray(0, big.length));
        return big;
      };
      if (spec.plain) return once(firstPlainHs(dir), (i) => [{ plain: { type: i.type, content: pad(i.content) } }], { alerts: [A.record_overflow], clean: 'no' });
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: { type: i.type, content: pad(i.content) } }], { alerts: [A.record_overflow], clean: 'no' });
    }
    case 'outerType':
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: i, patch: (r) => Uint8Array.of(n(spec.type), ...r.subarray(1)) }], {
        alerts: n(spec.type) === CT.alert ? [A.unexpected_message, A.decode_error] : n(spec.type) === CT.ccs ? BAD_CCS : [A.unexpected_message],
        clean: 'no',
      });
    case 'innerType':
      return once((i) => sealedAt(dir, n(spec.nth))(i) && i.epoch === 'hs', (i) => [{ seal: { type: n(spec.type), content: i.content } }], { alerts: [A.unexpected_message], clean: 'no' });
    case 'helloDup':
      return once(firstPlainHs(dir), (i) => [asIs(i), asIs(i)], { alerts: [A.unexpected_message], clean: 'no' });
    case 'message':
      return messageFault(dir, spec.op as 'drop' | 'dup' | 'swap', n(spec.i));
    case 'recordSwap':
      return once(sealedAt(dir, n(spec.nth)), (i) => [{ seal: i, holdForSwap: true }], { alerts: [A.bad_record_mac], clean: 'no' });
    case 'ccs':
      return ccsFault(dir, spec.where as string);
    case 'alert': {
      const content = spec.malformed ? Uint8Array.of(2, n(spec.desc), 0).subarray(0, spec.malformed === 1 ? 1 : 3) : Uint8Array.of(n(spec.level), n(spec.desc));
      const inject = (i: Item): Out[] => [i.epoch === 'plain' ? { plain: { type: CT.alert, content } } : { seal: { type: CT.alert, content } }, asIs(i)];
      // A 1- or 3-byte alert: RFC 8446 §5.1 forbids fragmenting alerts; OpenSSL reports the record
      // after the fragment as unexpected, ts-tls the fragment itself as a decode error.
      // An alert instead of a ClientHello: OpenSSL calls any non-handshake record there unexpected.
      const expect: Expect = spec.malformed
        ? { alerts: [A.decode_error, A.unexpected_message], clean: 'no' }
        : usingNode && spec.nth === -1 && dir === 'c2s'
          ? { alerts: [A.unexpected_message], clean: 'no' }
          : // A warning before the version is known may be a TLS 1.2 warning: OpenSSL ignores it.
            { received: n(spec.desc), clean: usingNode && spec.nth === -1 && spec.level === 1 ? 'ok' : 'no' };
      return once(spec.nth === -1 ? firstPlainHs(dir) : sealedAt(dir, n(spec.nth)), inject, expect);
    }
    case 'garbage': {
      const body = spec.bytes as Uint8Array;
      const raw = spec.wellFormed ? concatBytes(Uint8Array.of(CT.appData, 3, 3, body.length >> 8, body.length & 0xff), body) : body;
      // Raw garbage may announce a record longer than what follows: the victim then waits for the
      // stream's end, which after the handshake is a clean end.
      return once(firstApp(dir), (i) => [{ raw }, asIs(i)], spec.wellFormed ? { alerts: [A.bad_record_mac], clean: 'no' } : { alerts: [...Object.values(A), 70, 40], clean: 'ok' });
    }
    case 'keyUpdateFlood': {
      const ku = Uint8Array.of(HS.keyUpdate, 0, 0, 1, spec.request ? 1 : 0);
      const count = n(spec.count);
      const outs = (i: Item): Out[] => [...Array.from({ length: count }, (): Out => ({ seal: { type: CT.handshake, content: ku }, epoch: 'app' })), asIs(i)];
      // RFC 8446 sets no limit; ours refuses more than MAX_KEY_UPDATES_PER_WINDOW, OpenSSL none.
      const refused = !usingNode && count > MAX_KEY_UPDATES_PER_WINDOW;
      return once(firstApp(dir), outs, refused ? { alerts: [A.unexpected_message], clean: 'no' } : { alerts: [A.unexpected_message], clean: usingNode ? 'ok' : 'only' });
    }
    case 'emptyFlood': {
      const count = n(spec.count);
      const outs = (i: Item): Out[] => [...Array.from({ length: count }, (): Out => ({ seal: { type: CT.appData, content: new Uint8Array(0) }, epoch: 'app' })), asIs(i)];
      // Empty application records are legal (traffic analysis) but each costs an AEAD open:
      // both ts-tls and OpenSSL stop after 32 in a row (MAX_EMPTY_RECORDS).
      return once(firstApp(dir), outs, count > MAX_EMPTY_RECORDS_IN_ROW ? { alerts: [A.unexpected_message], clean: 'no' } : { clean: 'only' });
    }
    case 'emptyHandshake':
      // RFC 8446 §5.4: a zero-length protected handshake record MUST get unexpected_message.
      if (spec.sealed) return once(sealedAt(dir, 0), (i) => [{ seal: { type: CT.handshake, content: new Uint8Array(0) } }, asIs(i)], { alerts: [A.unexpected_message], clean: 'no' });
      // §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types"; the
      // receiver's reaction is not specified: ts-tls refuses, OpenSSL skips them.
      return once(firstPlainHs(dir), (i) => [{ plain: { type: CT.handshake, content: new Uint8Array(0) } }, asIs(i)], { alerts: [A.unexpected_message, A.decode_error], clean: usingNode ? 'ok' : 'no' });
    case 'hugeLength': {
      const huge = (i: Item) => Uint8Array.of(i.content[0]!, 0xff, 0xff, 0xff, ...i.content.subarray(4));
      // Refused at the header (OpenSSL: EXCESSIVE_MESSAGE_SIZE), before any of the body is kept.
      const expect: Expect = { alerts: [A.illegal_parameter], clean: 'no' };
      if (spec.sealed) return once((i) => sealedAt(dir, 0)(i), (i) => [{ seal: { type: CT.handshake, content: huge(i) } }], expect);
      return once(firstPlainHs(dir), (i) => [{ plain: { type: CT.handshake, content: huge(i) } }], expect);
    }
    case 'truncateMessage': {
      const which = n(spec.which) % (HS_FLIGHT[dir] + 1); // 0: the hello, then the encrypted flight
      const pick = (i: Item) => i.dir === dir && i.type === CT.handshake && (which === 0 ? i.epoch === 'plain' : i.epoch === 'hs' && i.sealedIndex === which - 1);
      const cutMsg = (i: Item): Out[] => {
        const bodyLen = i.content.length - 4;
        const room = which === 0 ? i.content.length - helloExtensionsAt(i.content) : bodyLen;
        const cut = 1 + (n(spec.cut) % Math.max(1, room));
        return [asIs({ ...i, content: withLength(i.content, bodyLen - cut) })];
      };
      return once(pick, cutMsg, { alerts: [A.decode_error], clean: 'no' });
    }
    case 'mutateMessage': {
      // Any byte of any handshake message changed (lengths kept): the transcripts differ, so the
      // handshake can never complete; which side notices first depends on the byte.
      const which = n(spec.which) % (HS_FLIGHT[dir] + 1);
      const pick = (i: Item) => i.dir === dir && i.type === CT.handshake && (which === 0 ? i.epoch === 'plain' : i.epoch === 'hs' && i.sealedIndex === which - 1);
      const mutate = (i: Item): Out[] => {
        const c = i.content.slice();
        c[4 + (n(spec.pos) % Math.max(1, c.length - 4))]! ^= n(spec.xor) || 1;
        return [asIs({ ...i, content: c })];
      };
      return once(pick, mutate, { alerts: KNOWN_ALERTS, clean: 'no', eitherSide: true });
    }
    case 'plainDup':
    case 'plainTruncate':
    case 'plainMutate': {
      // HelloRetryRequest flow: the nth plaintext handshake message of `dir` (c2s: ClientHello 1
      // and 2; s2c: HelloRetryRequest and ServerHello).
      let seen = 0;
      const nth = n(spec.nth);
      const pick = (i: Item) => i.dir === dir && i.epoch === 'plain' && i.type === CT.handshake && seen++ === nth;
      if (spec.k === 'plainDup') {
        // §4.1.4: a second HelloRetryRequest is unexpected_message; a ClientHello 1 sent again as
        // ClientHello 2 lacks the requested key share (§4.1.2: illegal_parameter).
        const expect: Expect = dir === 'c2s' && nth === 0 ? { alerts: [A.illegal_parameter, A.unexpected_message], clean: 'no' } : { alerts: [A.unexpected_message], clean: 'no' };
        return once(pick, (i) => [asIs(i), asIs(i)], expect);
      }
      if (spec.k === 'plainTruncate') {
        return once(pick, (i) => {
          const room = i.content.length - helloExtensionsAt(i.content);
          return [asIs({ ...i, content: withLength(i.content, i.content.length - 4 - (1 + (n(spec.cut) % Math.max(1, room)))) })];
        }, { alerts: [A.decode_error], clean: 'no' });
      }
      return once(pick, (i) => {
        const c = i.content.slice();
        c[4 + (n(spec.pos) % (c.length - 4))]! ^= n(spec.xor) || 1;
        return [asIs({ ...i, content: c })];
      }, { alerts: KNOWN_ALERTS, clean: 'no', eitherSide: true });
    }
    case 'cut': {
      let fired = false;
      return {
        fault: {
          onItem(item, s) {
            if (!fired && item.dir === dir) {
              fired = true;
              s.cutAt[dir] = n(spec.at);
            }
            return undefined;
          },
        },
        // A stream that simply ends: no alert is owed; before the handshake it is ECONNRESET.
        fired: () => false,
        expect: { clean: 'ok' },
      };
    }
    default:
      return once(() => false, () => [], { clean: 'only' });
  }
}

/** Drop, duplicate or swap messages of one encrypted flight (held until its Finished). */
function messageFault(dir: Dir, op: 'drop' | 'dup' | 'swap', i: number): Built {
  const held: Item[] = [];
  let fired = false;
  let droppedType = -1;
  let dupType = -1;
  const b: Built = {
    fault: {
      onItem(item) {
        if (fired || item.dir !== dir || item.epoch !== 'hs' || item.type !== CT.handshake) return undefined;
        held.push(item);
        if (item.content[0] !== HS.finished) return [];
        fired = true;
        const msgs = held.slice();
        const k = op === 'dup' ? i % msgs.length : i % (msgs.length - 1); // never drop the Finished (that is a stall, not an attack)
        if (op === 'drop') droppedType = msgs.splice(k, 1)[0]!.content[0]!;
        else if (op === 'dup') {
          dupType = msgs[k]!.content[0]!;
          msgs.splice(k, 0, msgs[k]!);
        }
        else [msgs[k], msgs[k + 1]] = [msgs[k + 1]!, msgs[k]!];
        return msgs.map(asIs);
      },
    },
    fired: () => fired,
    get expect(): Expect {
      // A second Finished sealed under the handshake key reaches a receiver already on its
      // application key: it cannot be opened (bad_record_mac) before its type could be judged.
      if (op === 'dup' && dupType === HS.finished) return { alerts: [A.bad_record_mac], clean: 'no' };
      // Without the CertificateRequest the flight is well-formed but the client's transcript
      // differs, so the server's CertificateVerify cannot verify (RFC 8446 §4.4.3: decrypt_error).
      if (droppedType === HS.certificateRequest) return { alerts: [A.decrypt_error], clean: 'no' };
      return { alerts: [A.unexpected_message], clean: 'no' };
    },
  };
  return b;
}

/** RFC 8446 §5: CCS is only a compatibility no-op between the first ClientHello and the peer's Finished. */
function ccsFault(dir: Dir, where: string): Built {
  const bad: Expect = { alerts: [A.unexpected_message], clean: 'no' };
  switch (where) {
    case 'beforeHello':
      // Before the first ClientHello it is an unexpected record; before a ServerHello (after the
      // ClientHello was sent) it is allowed, though OpenSSL refuses it too.
      return once(firstPlainHs(dir), (i) => [ccs(), asIs(i)], dir === 'c2s' ? bad : { alerts: [A.unexpected_message], clean: 'ok' });
    case 'afterFinished':
      return once(firstApp(dir), (i) => [ccs(), asIs(i)], bad);
    case 'badValue':
      return once(firstPlainHs(dir), (i) => [asIs(i), ccs(2)], { alerts: BAD_CCS, clean: 'no' });
    case 'encrypted':
      return once(sealedAt(dir, 0), (i) => [{ seal: { type: CT.ccs, content: Uint8Array.of(1) }, epoch: 'hs' }, asIs(i)], bad);
    default: // 'extra': several compatibility CCS in a row
      return once(firstPlainHs(dir), (i) => [asIs(i), ccs(), ccs(), ccs()], { alerts: [A.unexpected_message], clean: 'ok' });
  }
}

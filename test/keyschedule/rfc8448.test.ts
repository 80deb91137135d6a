// RFC 8448 §3 (Simple 1-RTT) and §5 (HelloRetryRequest): every secret, key, IV and Finished
// value of the traces, derived with the key schedule over the node:crypto provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider, keyShareFromPrivateKey } from '../../src/crypto/node/index.js';
import {
  EarlySecret,
  exporter,
  finishedKey,
  finishedVerifyData,
  hkdfExpandLabel,
  nextTrafficSecret,
  resumptionPsk,
  trafficKeys,
} from '../../src/handshake/tls13/key-schedule.js';
import { suiteById } from '../../src/suites/suites.js';
import { CipherSuite, NamedGroup } from '../../src/wire/registry.js';
import { concatBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { RFC8448_HRR, RFC8448_SIMPLE_1RTT, traceValue, type TraceStep } from '../vectors/rfc8448.js';

const p = nodeCryptoProvider();
const suite = suiteById(CipherSuite.TLS_AES_128_GCM_SHA256)!;
const sha256 = (...parts: Uint8Array[]) => p.digest('sha256', concatBytes(...parts));
/** The handshake messages (TLS 1.3: one record payload each side up to Finished). */
function records(trace: readonly TraceStep[], who: 'client' | 'server'): Uint8Array[] {
  return trace.filter((s) => s.who === who && s.title.startsWith('send handshake record')).map((s) => fromHex(s.values['payload']!));
}

interface Case {
  name: string;
  trace: readonly TraceStep[];
  group: number;
  keyTitle: string;
  /** ClientHello..ServerHello bytes as hashed by the transcript (HRR: the message_hash rule). */
  helloTranscript: () => Uint8Array;
  serverFlight: () => Uint8Array;
  clientFinished: () => Uint8Array;
}

const simple: Case = {
  name: 'RFC 8448 §3 simple 1-RTT',
  trace: RFC8448_SIMPLE_1RTT,
  group: NamedGroup.x25519,
  keyTitle: 'create an ephemeral x25519 key pair',
  helloTranscript: () => concatBytes(records(RFC8448_SIMPLE_1RTT, 'client')[0]!, records(RFC8448_SIMPLE_1RTT, 'server')[0]!),
  serverFlight: () => records(RFC8448_SIMPLE_1RTT, 'server')[1]!,
  clientFinished: () => records(RFC8448_SIMPLE_1RTT, 'client')[1]!,
};

const hrr: Case = {
  name: 'RFC 8448 §5 HelloRetryRequest',
  trace: RFC8448_HRR,
  group: NamedGroup.secp256r1,
  keyTitle: 'create an ephemeral P-256 key pair',
  helloTranscript: () => {
    const [ch1, ch2] = records(RFC8448_HRR, 'client');
    const [hrrMsg, sh] = records(RFC8448_HRR, 'server');
    // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
    const messageHash = concatBytes(Uint8Array.of(254, 0, 0, 32), sha256(ch1!));
    return concatBytes(messageHash, hrrMsg!, ch2!, sh!);
  },
  serverFlight: () => records(RFC8448_HRR, 'server')[2]!,
  clientFinished: () => records(RFC8448_HRR, 'client')[2]!,
};

for (const c of [simple, hrr]) {
  const v = (who: 'client' | 'server', title: string, label: string, nth = 0) => traceValue(c.trace, who, title, label, nth);

  test(`${c.name}: ECDHE shared secret from the trace's private key`, () => {
    const client = keyShareFromPrivateKey(c.group, fromHex(v('client', c.keyTitle, 'private key')));
    assert.equal(toHex(client.publicKey), v('client', c.keyTitle, 'public key'));
    const shared = client.agree(fromHex(v('server', c.keyTitle, 'public key')));
    assert.equal(toHex(shared), v('server', 'extract secret "handshake"', 'IKM'));
  });

  test(`${c.name}: early, handshake and master secrets and all traffic secrets`, () => {
    const early = EarlySecret.fromPsk(p, 'sha256');
    assert.equal(toHex(early.secretForTesting()), v('server', 'extract secret "early"', 'secret'));

    const hs = early.handshake(fromHex(v('server', 'extract secret "handshake"', 'IKM')));
    assert.equal(toHex(hs.secretForTesting()), v('server', 'extract secret "handshake"', 'secret'));

    const helloHash = sha256(c.helloTranscript());
    assert.equal(toHex(helloHash), v('server', 'derive secret "tls13 c hs traffic"', 'hash'));
    assert.equal(toHex(hs.clientHandshakeTrafficSecret(helloHash)), v('server', 'derive secret "tls13 c hs traffic"', 'expanded'));
    assert.equal(toHex(hs.serverHandshakeTrafficSecret(helloHash)), v('server', 'derive secret "tls13 s hs traffic"', 'expanded'));

    const master = hs.master();
    assert.equal(toHex(master.secretForTesting()), v('server', 'extract secret "master"', 'secret'));

    const sfHash = sha256(c.helloTranscript(), c.serverFlight());
    assert.equal(toHex(sfHash), v('server', 'derive secret "tls13 c ap traffic"', 'hash'));
    assert.equal(toHex(master.clientApplicationTrafficSecret(sfHash)), v('server', 'derive secret "tls13 c ap traffic"', 'expanded'));
    assert.equal(toHex(master.serverApplicationTrafficSecret(sfHash)), v('server', 'derive secret "tls13 s ap traffic"', 'expanded'));
    assert.equal(toHex(master.exporterMasterSecret(sfHash)), v('server', 'derive secret "tls13 exp master"', 'expanded'));

    const cfHash = sha256(c.helloTranscript(), c.serverFlight(), c.clientFinished());
    assert.equal(toHex(cfHash), v('client', 'derive secret "tls13 res master"', 'hash'));
    const rms = master.resumptionMasterSecret(cfHash);
    assert.equal(toHex(rms), v('client', 'derive secret "tls13 res master"', 'expanded'));
  });

  test(`${c.name}: traffic keys and IVs`, () => {
    for (const [who, title] of [
      ['server', 'derive write traffic keys for handshake data'],
      ['server', 'derive read traffic keys for handshake data'],
      ['server', 'derive write traffic keys for application data'],
      ['client', 'derive write traffic keys for application data'],
    ] as const) {
      const k = trafficKeys(p, suite, fromHex(v(who, title, 'PRK')));
      assert.equal(toHex(k.key), v(who, title, 'key expanded'), `${who} ${title} key`);
      assert.equal(toHex(k.iv), v(who, title, 'iv expanded'), `${who} ${title} iv`);
    }
  });

  test(`${c.name}: finished keys and verify_data for both Finished messages`, () => {
    const flight = c.serverFlight();
    // The server's Finished is the flight's last message (4-byte header + 32 bytes).
    const beforeServerFinished = sha256(c.helloTranscript(), flight.subarray(0, flight.length - 36));
    const sBase = fromHex(v('server', 'calculate finished "tls13 finished"', 'PRK'));
    assert.equal(toHex(finishedKey(p, 'sha256', sBase)), v('server', 'calculate finished "tls13 finished"', 'expanded'));
    const sVerify = finishedVerifyData(p, 'sha256', sBase, beforeServerFinished);
    assert.equal(toHex(sVerify), v('server', 'calculate finished "tls13 finished"', 'finished'));
    assert.equal(toHex(flight.subarray(flight.length - 32)), toHex(sVerify));

    const cBase = fromHex(v('client', 'calculate finished "tls13 finished":', 'PRK'));
    const cVerify = finishedVerifyData(p, 'sha256', cBase, sha256(c.helloTranscript(), flight));
    assert.equal(toHex(finishedKey(p, 'sha256', cBase)), v('client', 'calculate finished "tls13 finished":', 'expanded'));
    assert.equal(toHex(cVerify), v('client', 'calculate finished "tls13 finished":', 'finished'));
  });

  test(`${c.name}: HKDF-Expand-Label info encodings match the trace`, () => {
    // Re-derive the "c hs traffic" secret through hkdfExpand with the RFC's info bytes: same result.
    const prk = fromHex(v('server', 'derive secret "tls13 c hs traffic"', 'PRK'));
    const info = fromHex(v('server', 'derive secret "tls13 c hs traffic"', 'info'));
    const hash = fromHex(v('server', 'derive secret "tls13 c hs traffic"', 'hash'));
    assert.equal(toHex(p.hkdfExpand('sha256', prk, info, 32)), toHex(hkdfExpandLabel(p, 'sha256', prk, 'c hs traffic', hash, 32)));
  });
}

test('RFC 8448 §3: resumption PSK from the ticket nonce', () => {
  const step = 'generate resumption secret "tls13 resumption"';
  const rms = fromHex(traceValue(RFC8448_SIMPLE_1RTT, 'server', step, 'PRK'));
  const nonce = fromHex(traceValue(RFC8448_SIMPLE_1RTT, 'server', step, 'hash'));
  assert.equal(toHex(resumptionPsk(p, 'sha256', rms, nonce)), traceValue(RFC8448_SIMPLE_1RTT, 'server', step, 'expanded'));
});

test('RFC 8448 §4: resumed early secret, res binder key and PSK binder from the §3 ticket', () => {
  // §4 "extract secret early" uses the §3 resumption PSK as IKM; values below are §4's
  // "extract secret early" secret and "calculate PSK binder" PRK, binder hash and finished.
  const psk = fromHex(traceValue(RFC8448_SIMPLE_1RTT, 'server', 'generate resumption secret "tls13 resumption"', 'expanded'));
  const early = EarlySecret.fromPsk(p, 'sha256', psk);
  assert.equal(toHex(early.secretForTesting()), '9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c');
  const binderKey = early.binderKey(true);
  assert.equal(toHex(binderKey), '69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256');
  assert.notEqual(toHex(early.binderKey(false)), toHex(binderKey), 'ext and res binder keys differ');
  const binderHash = fromHex('63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14');
  assert.equal(toHex(finishedKey(p, 'sha256', binderKey)), '5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa');
  assert.equal(toHex(finishedVerifyData(p, 'sha256', binderKey, binderHash)), '3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d');
});

test('KeyUpdate and exporter derivations are deterministic and label-separated', () => {
  const secret = fromHex(traceValue(RFC8448_SIMPLE_1RTT, 'server', 'derive secret "tls13 c ap traffic"', 'expanded'));
  const next = nextTrafficSecret(p, 'sha256', secret);
  assert.equal(toHex(next), toHex(hkdfExpandLabel(p, 'sha256', secret, 'traffic upd', new Uint8Array(0), 32)));
  assert.notEqual(toHex(next), toHex(secret));
  const ems = fromHex(traceValue(RFC8448_SIMPLE_1RTT, 'server', 'derive secret "tls13 exp master"', 'expanded'));
  const a = exporter(p, 'sha256', ems, 'EXPERIMENTAL a', undefined, 32);
  assert.equal(toHex(a), toHex(exporter(p, 'sha256', ems, 'EXPERIMENTAL a', new Uint8Array(0), 32)), 'no context = empty context (§7.5)');
  assert.notEqual(toHex(a), toHex(exporter(p, 'sha256', ems, 'EXPERIMENTAL b', undefined, 32)));
  assert.notEqual(toHex(a), toHex(exporter(p, 'sha256', ems, 'EXPERIMENTAL a', Uint8Array.of(1), 32)));
  assert.equal(exporter(p, 'sha256', ems, 'x', undefined, 100).length, 100);
});

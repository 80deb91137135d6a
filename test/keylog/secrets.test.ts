/**
 * SSLKEYLOGFILE, end to end: a fresh process with the variable set runs a ts-tls server and client
 * over a recording relay; the file must hold both ends' NSS lines for the ClientHello.random on
 * the wire, and those secrets alone must decrypt the captured records of both directions (the
 * check Wireshark makes, done with the library's trafficKeys + RecordReader). Also: append mode,
 * mode 0600, an unwritable path warns once and breaks nothing, a variable set at run time counts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TlsError } from '../../src/util/errors.js';
import { clientRandomOf, decryptClient, decryptDirection, decryptServer, parseKeyLog, runSessions, secretFor } from './decrypt.js';
import { clientPlaintext, serverPlaintext } from './session-child.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-tls-keylog-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LABELS = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'];
const SUITES = [
  { cipher: 'TLS_AES_128_GCM_SHA256', secretHex: 64 },
  { cipher: 'TLS_AES_256_GCM_SHA384', secretHex: 96 },
  { cipher: 'TLS_CHACHA20_POLY1305_SHA256', secretHex: 64 },
];

describe('SSLKEYLOGFILE lines decrypt the session they were logged for', () => {
  for (const { cipher, secretHex } of SUITES) {
    it(cipher, async () => {
      const file = join(dir, `${cipher}.log`);
      const token = randomBytes(8).toString('hex');
      const run = await runSessions({ token, keylogFile: file, cipher });
      assert.equal(run.code, 0, run.stderr);
      const [s] = run.sessions;
      assert.ok(s);
      assert.equal(s.cipher, cipher);
      assert.equal(s.version, 'TLSv1.3');

      const text = readFileSync(file, 'latin1');
      const lines = text.trimEnd().split('\n');
      const random = clientRandomOf(s.c2s);
      // Client and server each append their five lines, all for the ClientHello.random on the wire.
      assert.equal(lines.length, 2 * LABELS.length, text);
      for (const line of lines) {
        const [label, r, secret] = line.split(' ');
        assert.ok(LABELS.includes(label!), line);
        assert.equal(r, random);
        assert.equal(secret!.length, secretHex, line);
      }
      for (const label of LABELS) assert.equal(lines.filter((l) => l.startsWith(`${label} `)).length, 2, label);
      // The file holds exactly what the 'keylog' events carried, on each side.
      assert.deepEqual([...s.clientKeylog].sort(), [...new Set(lines)].sort());
      assert.deepEqual([...s.serverKeylog].sort(), [...new Set(lines)].sort());

      const log = parseKeyLog(text);
      const up = decryptClient(s.c2s, cipher, log);
      const down = decryptServer(s.s2c, s.c2s, cipher, log);
      assert.equal(up.appData.toString('latin1'), clientPlaintext(token));
      assert.equal(down.appData.toString('latin1'), serverPlaintext(token));
      // EncryptedExtensions, Certificate, CertificateVerify, Finished under the server handshake key.
      assert.deepEqual(down.encryptedHandshakeTypes.slice(0, 4), [8, 11, 15, 20]);
      assert.deepEqual(up.encryptedHandshakeTypes, [20]);

      // A secret one bit off does not open the records: the check above could fail.
      const wrong = secretFor(log, 'SERVER_HANDSHAKE_TRAFFIC_SECRET', random).replace(/^./, (c) => (c === '0' ? '1' : '0'));
      assert.throws(
        () => decryptDirection(s.s2c, cipher, wrong, secretFor(log, 'SERVER_TRAFFIC_SECRET_0', random)),
        (e: unknown) => e instanceof TlsError && e.reason !== undefined && /mac|decrypt/i.test(`${e.reason} ${e.message}`),
      );
    });
  }
});

describe("SSLKEYLOGFILE lines equal a node:tls peer's 'keylog' lines for the same connection", () => {
  for (const nodePeer of ['server', 'client'] as const) {
    it(`ts-tls ${nodePeer === 'server' ? 'client' : 'server'} against a node:tls ${nodePeer}`, async () => {
      const file = join(dir, `node-${nodePeer}.log`);
      const run = await runSessions({ token: `node-${nodePeer}`, keylogFile: file, nodePeer });
      assert.equal(run.code, 0, run.stderr);
      const s = run.sessions[0]!;
      const lines = readFileSync(file, 'latin1').trimEnd().split('\n');
      // Only the ts-tls end writes the file; OpenSSL (behind node:tls) derived the same five secrets.
      const nodeLines = nodePeer === 'server' ? s.serverKeylog : s.clientKeylog;
      assert.equal(lines.length, LABELS.length);
      assert.deepEqual([...lines].sort(), [...nodeLines].sort());
      const log = parseKeyLog(lines.join('\n'));
      assert.equal(decryptServer(s.s2c, s.c2s, s.cipher, log).appData.toString('latin1'), serverPlaintext(`node-${nodePeer}`));
    });
  }
});

describe('SSLKEYLOGFILE file handling', () => {
  it('appends to an existing file and creates a new one with mode 0600', async () => {
    const fresh = join(dir, 'fresh.log');
    const run = await runSessions({ token: 'fresh', keylogFile: fresh, connections: 2 });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
    const randoms = run.sessions.map((s) => clientRandomOf(s.c2s));
    const lines = readFileSync(fresh, 'latin1').trimEnd().split('\n');
    assert.equal(lines.length, 2 * 2 * LABELS.length);
    for (const r of randoms) assert.equal(lines.filter((l) => l.split(' ')[1] === r).length, 2 * LABELS.length);

    const existing = join(dir, 'existing.log');
    writeFileSync(existing, '# kept\n', { mode: 0o644 });
    const again = await runSessions({ token: 'existing', keylogFile: existing });
    assert.equal(again.code, 0, again.stderr);
    const text = readFileSync(existing, 'latin1');
    assert.ok(text.startsWith('# kept\n'), text);
    assert.equal(text.trimEnd().split('\n').length, 1 + 2 * LABELS.length);
    assert.equal(statSync(existing).mode & 0o777, 0o644, 'an existing file keeps its mode');
    assert.ok(parseKeyLog(text).get('CLIENT_TRAFFIC_SECRET_0')?.has(clientRandomOf(again.sessions[0]!.c2s)));
  });

  it('an unwritable path warns once on stderr and the connections still complete', async () => {
    const bad = join(dir, 'no-such-dir', 'keys.log');
    const run = await runSessions({ token: 'bad', keylogFile: bad, connections: 3 });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.sessions.length, 3);
    assert.equal(run.stderr.match(/TS_TLS_KEYLOG_FILE/g)?.length, 1, run.stderr);
    assert.match(run.stderr, /no-such-dir/);
    // The 'keylog' events are independent of the file.
    assert.equal(run.sessions[2]!.clientKeylog.length, LABELS.length);
  });

  it('is read when a connection is made: unset, nothing; set at run time, the next connection is logged', async () => {
    const late = join(dir, 'late.log');
    const run = await runSessions({ token: 'late', connections: 2, lateEnv: late });
    assert.equal(run.code, 0, run.stderr);
    const lines = readFileSync(late, 'latin1').trimEnd().split('\n');
    const [first, second] = run.sessions.map((s) => clientRandomOf(s.c2s));
    assert.equal(lines.length, 2 * LABELS.length);
    assert.ok(lines.every((l) => l.split(' ')[1] === second && l.split(' ')[1] !== first));
  });
});

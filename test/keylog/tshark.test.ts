/**
 * Issue 5, "What it must show" 3: Wireshark can read a ts-tls session. tshark captures on the
 * loopback interface while a ts-tls client and server (in a child process with SSLKEYLOGFILE
 * set) exchange an HTTP request and answer; tshark, given only the capture and the key log,
 * must show both plaintexts.
 *
 * Where tshark is missing, or capturing on `lo` is not permitted (no CAP_NET_RAW), the test falls
 * back, loudly, to the check that the logged secrets reproduce the traffic keys: the captured
 * records are decrypted with the library's own trafficKeys + RecordReader. With
 * TS_TLS_REQUIRE_PEERS=1 (CI, where .ci/run installs tshark) a missing tshark is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it, type TestContext } from 'node:test';
import { hasCommand, startPeer, type Peer } from '../support/peers.js';
import { decryptClient, decryptServer, parseKeyLog, runSessions } from './decrypt.js';
import { clientPlaintext, serverPlaintext } from './session-child.js';

/** Bounds: tshark start-up (it loads every dissector), capture flush, and the offline read. */
const TSHARK_START_MS = 15_000;
const TSHARK_STOP_MS = 10_000;
const TSHARK_READ_MS = 30_000;
/** Hard stop for the capture even if the test never signals it. */
const TSHARK_AUTOSTOP_SECONDS = 60;

const dir = mkdtempSync(join(tmpdir(), 'ts-tls-tshark-'));
// TS_TLS_KEEP_TMP=1 keeps the capture and key log for a look in Wireshark.
after(() => {
  if (!process.env.TS_TLS_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
});

/** Decrypts the session with the logged secrets only: the fallback when tshark cannot capture. */
async function fallback(t: TestContext, why: string): Promise<void> {
  const msg = `TSHARK CHECK NOT RUN: ${why}. Falling back to decrypting the captured records with the logged secrets (library code, not Wireshark).`;
  console.warn(`\n*** ${msg} ***\n`);
  t.diagnostic(msg);
  const file = join(dir, 'fallback.log');
  const token = randomBytes(8).toString('hex');
  const run = await runSessions({ token, keylogFile: file });
  assert.equal(run.code, 0, run.stderr);
  const s = run.sessions[0]!;
  const log = parseKeyLog(readFileSync(file, 'latin1'));
  assert.equal(decryptClient(s.c2s, s.cipher, log).appData.toString('latin1'), clientPlaintext(token));
  assert.equal(decryptServer(s.s2c, s.c2s, s.cipher, log).appData.toString('latin1'), serverPlaintext(token));
}

function tshark(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('tshark', args, { encoding: 'latin1', timeout: TSHARK_READ_MS });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

it('tshark decrypts a captured ts-tls session with the SSLKEYLOGFILE lines', { timeout: 90_000 }, async (t) => {
  if (!hasCommand('tshark')) {
    const msg = "'tshark' is not installed (apt-get install tshark; .ci/run does)";
    if (process.env.TS_TLS_REQUIRE_PEERS === '1') throw new Error(`PEER MISSING: ${msg}`);
    return fallback(t, msg);
  }
  const keys = join(dir, 'keys.log');
  const pcap = join(dir, 'session.pcapng');
  const token = randomBytes(8).toString('hex');
  let capture: Peer | undefined;
  let captureFailure: string | undefined;
  let port = 0;
  // tshark says "Capturing on" before its dumpcap child really captures, and holds packets in a
  // buffer: a UDP datagram to a local sink marks each point (seen in tshark's live output → the
  // capture is running / everything before it has been processed).
  const sink = createSocket('udp4');
  sink.bind(0, '127.0.0.1');
  await once(sink, 'listening');
  const sinkPort = sink.address().port;
  /** Sends datagrams from a fresh port until tshark prints one ("... UDP 53 <from> → <sink> Len=11"; the arrow is UTF-8, read here as latin1). */
  const mark = async (): Promise<void> => {
    const sender = createSocket('udp4');
    sender.bind(0, '127.0.0.1');
    await once(sender, 'listening');
    const from = sender.address().port;
    const seen = capture!.waitFor(new RegExp(`\\b${from}[^\\d\\n]+${sinkPort}\\b`), TSHARK_START_MS);
    const send = () => sender.send('ts-tls-mark', sinkPort, '127.0.0.1');
    const timer = setInterval(send, 100);
    send();
    try {
      await seen;
    } finally {
      clearInterval(timer);
      sender.close();
    }
  };
  let marked = false;
  try {
    const run = await runSessions({
      token,
      keylogFile: keys,
      extraTimeoutMs: 2 * TSHARK_START_MS,
      beforeConnect: async (serverPort) => {
        port = serverPort;
        // Only the server's port: the child's client reaches it through a relay, so each TLS byte
        // is captured once (relay ↔ server leg). -P -l: live one-line summaries for the marks.
        const filter = `tcp port ${serverPort} or udp port ${sinkPort}`;
        capture = startPeer('tshark', ['-i', 'lo', '-f', filter, '-a', `duration:${TSHARK_AUTOSTOP_SECONDS}`, '-l', '-P', '-w', pcap]);
        try {
          await capture.waitFor(/Capturing on/, TSHARK_START_MS);
          await mark();
        } catch (err) {
          captureFailure = String(err).split('\n').slice(0, 4).join(' ');
          capture.kill();
          throw err;
        }
      },
    });
    if (captureFailure !== undefined) return await fallback(t, `tshark could not capture on lo: ${captureFailure}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.sessions.length, 1);
    await mark();
    marked = true;
  } finally {
    sink.close();
    if (!marked) capture?.kill();
  }
  // SIGINT makes tshark close the file cleanly.
  capture!.proc.kill('SIGINT');
  await capture!.exited(TSHARK_STOP_MS);
  assert.ok(statSync(pcap).size > 0, capture!.output());

  const common = ['-r', pcap, '-o', `tls.keylog_file:${keys}`, '-d', `tcp.port==${port},tls`];
  // Without the key log, tshark sees only ciphertext: what follows is due to the logged secrets.
  const blind = tshark(['-r', pcap, '-d', `tcp.port==${port},tls`, '-x']);
  assert.equal(blind.status, 0, blind.stderr);
  assert.ok(!blind.stdout.includes('Decrypted TLS'), 'tshark decrypted without a key log?');

  // The HTTP dissector runs on the decrypted stream: request path and response code as fields.
  const http = tshark([...common, '-Y', 'http', '-T', 'fields', '-e', 'http.request.uri', '-e', 'http.response.code']);
  assert.equal(http.status, 0, http.stderr);
  assert.match(http.stdout, new RegExp(`/ts-tls-keylog/${token}`), http.stdout);
  assert.match(http.stdout, /\b200\b/, http.stdout);

  // And the raw decrypted bytes: tshark's "Decrypted TLS" hex panes hold both plaintexts.
  const hex = tshark([...common, '-x']);
  assert.equal(hex.status, 0, hex.stderr);
  const panes = decryptedPanes(hex.stdout);
  assert.ok(panes.includes(clientPlaintext(token)), panes);
  assert.ok(panes.includes(serverPlaintext(token)), panes);
  t.diagnostic(`tshark decrypted ${panes.length} plaintext bytes from a ${statSync(pcap).size}-byte capture`);
});

/**
 * The bytes of every "Decrypted TLS (N bytes):" pane of `tshark -x` output, concatenated. A pane
 * is hex dump lines "0000  47 45 54 ...  GET..." after its title, up to the next blank line.
 */
function decryptedPanes(out: string): string {
  let text = '';
  let inPane = false;
  for (const line of out.split('\n')) {
    if (/^Decrypted TLS/.test(line)) {
      inPane = true;
      continue;
    }
    if (!inPane) continue;
    const m = /^[0-9a-f]{4,}\s{2}((?:[0-9a-f]{2} ?)+)/.exec(line);
    if (!m) {
      inPane = false;
      continue;
    }
    text += Buffer.from(m[1]!.replace(/\s+/g, ''), 'hex').toString('latin1');
  }
  return text;
}

/**
 * Key log checks shared by the key log tests: parse an NSS key log, run a session child with
 * SSLKEYLOGFILE set, and decrypt one direction of a captured TLS 1.3 byte stream using nothing
 * but the logged secrets (through the library's own trafficKeys + RecordReader), the way
 * Wireshark does. If the logged secrets were not the ones the connection used, deprotection fails
 * with bad_record_mac.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { trafficKeys } from '../../src/handshake/tls13/key-schedule.js';
import { RecordReader } from '../../src/record/reader.js';
import { suiteByName } from '../../src/suites/suites.js';
import { ContentType, HandshakeType } from '../../src/wire/registry.js';

const CHILD = fileURLToPath(new URL('./session-child.js', import.meta.url));
/** Parent-side bound on one child run (the child bounds itself at 15 s). */
const CHILD_RUN_TIMEOUT_MS = 20_000;

/** label → client_random (hex) → secret (hex), as Wireshark reads it (RFC: NSS key log format). */
export type KeyLog = Map<string, Map<string, string>>;

const LINE = /^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]+)$/;

/** Parses key log text; throws on a line Wireshark would not accept (comments and blank lines are allowed). */
export function parseKeyLog(text: string): KeyLog {
  const log: KeyLog = new Map();
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const m = LINE.exec(raw);
    if (!m) throw new Error(`not an NSS key log line: ${JSON.stringify(raw)}`);
    const [, label, random, secret] = m as unknown as [string, string, string, string];
    let byRandom = log.get(label);
    if (!byRandom) log.set(label, (byRandom = new Map()));
    byRandom.set(random, secret);
  }
  return log;
}

/** The ClientHello.random of the first record of a client→server stream (record 5 + handshake 4 + version 2). */
export function clientRandomOf(c2s: Uint8Array): string {
  if (c2s[0] !== ContentType.handshake || c2s[5] !== HandshakeType.client_hello) throw new Error('stream does not start with a ClientHello');
  return Buffer.from(c2s.subarray(11, 43)).toString('hex');
}

export interface Decrypted {
  /** Concatenated application_data plaintext. */
  appData: Buffer;
  /** Handshake message types read under the handshake traffic key. */
  encryptedHandshakeTypes: number[];
}

/**
 * Decrypts one direction of a TLS 1.3 session without HelloRetryRequest or 0-RTT: the first
 * record is the plaintext ClientHello or ServerHello, the handshake traffic secret applies from
 * the next record up to this side's Finished, then application traffic secret 0 (§7.1, §5.1).
 */
export function decryptDirection(bytes: Uint8Array, suiteName: string, hsSecretHex: string, appSecretHex: string): Decrypted {
  const provider = nodeCryptoProvider();
  const suite = suiteByName(suiteName);
  if (!suite || suite.cipher.kind !== 'aead') throw new Error(`unknown TLS 1.3 suite ${suiteName}`);
  const aead = suite.cipher.aead;
  const install = (reader: RecordReader, secretHex: string) => {
    const k = trafficKeys(provider, suite, Buffer.from(secretHex, 'hex'));
    reader.setReadKey13(provider.aead(aead, k.key), k.iv);
  };
  const reader = new RecordReader();
  reader.push(bytes);
  let epoch: 'plain' | 'handshake' | 'application' = 'plain';
  const appData: Buffer[] = [];
  const encryptedHandshakeTypes: number[] = [];
  let pending = Buffer.alloc(0);
  for (let rec = reader.next(); rec; rec = reader.next()) {
    if (rec.type === ContentType.change_cipher_spec) continue; // middlebox compatibility (§D.4)
    if (epoch === 'plain') {
      if (rec.type !== ContentType.handshake) throw new Error(`unexpected plaintext record type ${rec.type}`);
      install(reader, hsSecretHex);
      epoch = 'handshake';
    } else if (epoch === 'handshake') {
      if (rec.type !== ContentType.handshake) throw new Error(`record type ${rec.type} before Finished`);
      pending = Buffer.concat([pending, rec.payload]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUIntBE(1, 3)) {
        const type = pending[0]!;
        encryptedHandshakeTypes.push(type);
        pending = pending.subarray(4 + pending.readUIntBE(1, 3));
        if (type === HandshakeType.finished) {
          install(reader, appSecretHex);
          epoch = 'application';
        }
      }
    } else if (rec.type === ContentType.application_data) {
      appData.push(Buffer.from(rec.payload));
    }
  }
  if (epoch !== 'application') throw new Error(`stream ended in the ${epoch} epoch`);
  return { appData: Buffer.concat(appData), encryptedHandshakeTypes };
}

/** The client→server direction, keyed by the ClientHello.random it starts with. */
export function decryptClient(c2s: Uint8Array, suiteName: string, log: KeyLog): Decrypted {
  const random = clientRandomOf(c2s);
  return decryptDirection(c2s, suiteName, secretFor(log, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', random), secretFor(log, 'CLIENT_TRAFFIC_SECRET_0', random));
}

/** The server→client direction (the client_random comes from the other direction). */
export function decryptServer(s2c: Uint8Array, c2s: Uint8Array, suiteName: string, log: KeyLog): Decrypted {
  const random = clientRandomOf(c2s);
  return decryptDirection(s2c, suiteName, secretFor(log, 'SERVER_HANDSHAKE_TRAFFIC_SECRET', random), secretFor(log, 'SERVER_TRAFFIC_SECRET_0', random));
}

export function secretFor(log: KeyLog, label: string, random: string): string {
  const s = log.get(label)?.get(random);
  if (!s) throw new Error(`key log has no ${label} for client_random ${random}`);
  return s;
}

export interface Session {
  cipher: string;
  version: string;
  serverPort: number;
  c2s: Buffer;
  s2c: Buffer;
  clientKeylog: string[];
  serverKeylog: string[];
}

export interface ChildRun {
  code: number | null;
  stderr: string;
  sessions: Session[];
}

export interface ChildOptions {
  token: string;
  keylogFile?: string;
  cipher?: string;
  connections?: number;
  lateEnv?: string;
  /** Which end is node:tls instead of ts-tls. */
  nodePeer?: 'server' | 'client';
  /** Added to CHILD_RUN_TIMEOUT_MS for a slow beforeConnect. */
  extraTimeoutMs?: number;
  /** Called with the server port before the client connects (the child waits for it). */
  beforeConnect?: (serverPort: number) => Promise<void>;
}

/** Runs session-child.js with SSLKEYLOGFILE set (or removed), bounded by CHILD_RUN_TIMEOUT_MS. */
export function runSessions(o: ChildOptions): Promise<ChildRun> {
  const env = { ...process.env };
  delete env.SSLKEYLOGFILE;
  if (o.keylogFile !== undefined) env.SSLKEYLOGFILE = o.keylogFile;
  const args = [CHILD, '--token', o.token, '--connections', String(o.connections ?? 1)];
  if (o.cipher) args.push('--cipher', o.cipher);
  if (o.lateEnv) args.push('--late-env', o.lateEnv);
  if (o.nodePeer) args.push(`--node-${o.nodePeer}`);
  if (o.beforeConnect) args.push('--wait-go');
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const m = /^LISTENING (\d+)$/m.exec(stdout);
    if (m && o.beforeConnect && !signalled) {
      signalled = true;
      o.beforeConnect(Number(m[1])).then(
        () => child.stdin.write('go\n'),
        (err: unknown) => {
          stderr += `beforeConnect failed: ${String(err)}\n`;
          child.kill('SIGKILL');
        },
      );
    }
  });
  child.stdin.on('error', () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_RUN_TIMEOUT_MS + (o.extraTimeoutMs ?? 0));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const sessions = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          const j = JSON.parse(l) as Omit<Session, 'c2s' | 's2c'> & { c2s: string; s2c: string };
          return { ...j, c2s: Buffer.from(j.c2s, 'hex'), s2c: Buffer.from(j.s2c, 'hex') };
        });
      resolve({ code, stderr, sessions });
    });
  });
}

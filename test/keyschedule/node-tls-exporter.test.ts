// The §7.5 exporter against OpenSSL: node:tls logs EXPORTER_SECRET through 'keylog', and
// exportKeyingMaterial() must equal our exporter() over that secret, for every TLS 1.3 suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { exporter } from '../../src/handshake/tls13/key-schedule.js';
import { suiteByName } from '../../src/suites/suites.js';
import { fromHex, toHex, utf8 } from '../../src/util/bytes.js';
import { makeTestPki } from '../fixtures/certs.js';
import { listen } from '../node/helpers.js';

const TIMEOUT_MS = 10_000;
const p = nodeCryptoProvider();

async function handshake(ciphersuites: string) {
  const pki = makeTestPki();
  const server = tls.createServer({ key: pki.ecdsa.key, cert: pki.ecdsa.cert, minVersion: 'TLSv1.3', ciphers: ciphersuites }, (s) => s.end());
  const port = await listen(server);
  const lines: string[] = [];
  try {
    return await new Promise<{ socket: tls.TLSSocket; lines: string[] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('handshake timed out')), TIMEOUT_MS);
      const socket = tls.connect({ port, host: '127.0.0.1', ca: pki.ecdsa.cert, servername: 'localhost', ciphers: ciphersuites });
      socket.on('keylog', (line) => lines.push(line.toString('latin1').trim()));
      socket.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.on('secureConnect', () => {
        clearTimeout(timer);
        resolve({ socket, lines });
      });
    });
  } finally {
    server.close();
  }
}

for (const suiteName of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
  test(`exporter() equals node:tls exportKeyingMaterial under ${suiteName}`, async () => {
    const { socket, lines } = await handshake(suiteName);
    try {
      assert.equal(socket.getCipher().standardName, suiteName);
      const hash = suiteByName(suiteName)!.hash;
      const line = lines.find((l) => l.startsWith('EXPORTER_SECRET '));
      assert.ok(line, 'node logged EXPORTER_SECRET');
      const secret = fromHex(line.split(' ')[2]!);
      assert.equal(secret.length, p.hashLength(hash));
      for (const [label, context, length] of [
        ['EXPERIMENTAL ts-tls', undefined, 32],
        ['EXPERIMENTAL ts-tls', Uint8Array.of(1, 2, 3), 48],
        ['EXPORTER-Channel-Binding', undefined, 32],
      ] as const) {
        // @types/node wants a context, but node:tls accepts none (and TLS 1.3 treats none as empty).
        const exportKm = socket.exportKeyingMaterial.bind(socket) as (n: number, l: string, c?: Buffer) => Buffer;
        const theirs = exportKm(length, label, context ? Buffer.from(context) : undefined);
        assert.equal(toHex(exporter(p, hash, secret, label, context, length)), toHex(theirs), `${label} ${context ? 'with' : 'without'} context`);
      }
      assert.equal(toHex(exporter(p, hash, secret, utf8.encode('EXPERIMENTAL ts-tls'), undefined, 32)), toHex(socket.exportKeyingMaterial(32, 'EXPERIMENTAL ts-tls', Buffer.alloc(0))), 'label as bytes');
    } finally {
      socket.destroy();
    }
  });
}

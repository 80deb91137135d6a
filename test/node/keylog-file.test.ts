/**
 * SSLKEYLOGFILE: NSS key-log lines appended for every connection, readable by Wireshark/curl tools.
 * Runs in a child process because the variable is read once per process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

it('SSLKEYLOGFILE receives the client and server secrets; peer X509 objects are node:crypto ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-tls-keylog-'));
  const file = join(dir, 'keys.log');
  const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const helpers = fileURLToPath(new URL('./helpers.js', import.meta.url));
  const script = `
    import tls from ${JSON.stringify(entry)};
    import { localhostCert } from ${JSON.stringify(helpers)};
    import { X509Certificate } from 'node:crypto';
    const { key, cert } = localhostCert();
    const server = tls.createServer({ key, cert }, (s) => s.end());
    server.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ port: server.address().port, host: '127.0.0.1', servername: 'localhost', ca: cert }, () => {
        if (!(c.getPeerX509Certificate() instanceof X509Certificate)) process.exit(3);
        if (c.getX509Certificate() !== undefined) process.exit(4);
      });
      c.resume();
      c.on('end', () => server.close(() => setTimeout(() => process.exit(0), 50)));
    });
    setTimeout(() => process.exit(2), 5000).unref();
  `;
  try {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, SSLKEYLOGFILE: file }, timeout: 10000 });
    assert.equal(r.status, 0, r.stderr.toString());
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const labels = lines.map((l) => l.split(' ')[0]);
    // Both ends log the same secrets: each label appears twice, with identical lines.
    for (const label of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']) {
      const same = lines.filter((l) => l.startsWith(`${label} `));
      assert.equal(same.length, 2, label);
      assert.equal(same[0], same[1]);
      assert.match(same[0]!, /^\S+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
    }
    assert.ok(labels.length >= 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

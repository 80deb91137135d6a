// Our checkServerIdentity against Node's own, field by field, over a table of hosts and certs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { checkServerIdentity } from '../../src/node/check-server-identity.js';
import { canonicalizeIP, isIP } from '../../src/pki/ip.js';
import { isIP as nodeIsIP } from 'node:net';

type Cert = { subject?: { CN?: string | string[] } | null; subjectaltname?: string };

const certs: Cert[] = [
  { subject: { CN: 'example.com' } },
  { subject: { CN: ['a.example.com', 'b.example.com'] } },
  { subject: { CN: '*.example.com' } },
  { subject: {} },
  { subject: null, subjectaltname: 'DNS:example.com' },
  { subject: { CN: 'cn.example.com' }, subjectaltname: 'DNS:example.com, DNS:*.example.org, IP Address:127.0.0.1' },
  { subject: { CN: 'cn.example.com' }, subjectaltname: 'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' },
  { subject: { CN: 'cn.example.com' }, subjectaltname: 'email:a@example.com, URI:http://example.com/' },
  { subjectaltname: 'DNS:*.com' },
  { subjectaltname: 'DNS:f*.example.com, DNS:*b.example.net, DNS:a*b*.example.io' },
  { subjectaltname: 'DNS:xn--*.example.com, DNS:*.xn--bcher-kva.example' },
  { subjectaltname: 'DNS:bad..example.com, DNS:ünïcode.example.com, DNS:sp ace.example.com' },
  { subjectaltname: 'DNS:EXAMPLE.COM.' },
  { subjectaltname: 'DNS:"evil.com, DNS:good.com", DNS:x.com' },
  { subjectaltname: 'IP Address:::ffff:1.2.3.4, IP Address:2001:DB8:0:0:0:0:0:1' },
  { subject: { CN: '127.0.0.1' } },
];
const hosts = [
  'example.com', 'EXAMPLE.com.', 'a.example.com', 'b.example.com', 'x.y.example.com', 'cn.example.com', 'foo.example.org',
  'example.org', 'com', 'x.com', 'foo.example.com', 'fb.example.com', 'ab.example.net', 'b.example.net', 'xn--abc.example.com',
  'a.xn--bcher-kva.example', '127.0.0.1', '::1', '0:0::1', '::ffff:1.2.3.4', '::ffff:102:304', '1.2.3.4', '2001:db8::1',
  '127.000.000.001', '', 'evil.com', 'good.com', 'bad..example.com', 'sp ace.example.com',
];

test('matches Node 20 tls.checkServerIdentity on every host/cert pair, field by field', () => {
  let compared = 0;
  for (const cert of certs) {
    for (const host of hosts) {
      let theirs: unknown;
      let theirThrow: unknown;
      try {
        theirs = tls.checkServerIdentity(host, cert as tls.PeerCertificate);
      } catch (e) {
        theirThrow = e;
      }
      let ours: unknown;
      let ourThrow: unknown;
      try {
        ours = checkServerIdentity(host, cert);
      } catch (e) {
        ourThrow = e;
      }
      const what = `${host} vs ${JSON.stringify(cert)}`;
      if (theirThrow) {
        const t = theirThrow as { name: string; code: string; message: string };
        const o = ourThrow as { name: string; code: string; message: string };
        assert.ok(o, `we should throw for ${what}`);
        assert.deepEqual([o.name, o.code, o.message], [t.name, t.code, t.message], what);
        continue;
      }
      assert.equal(ourThrow, undefined, what);
      if (theirs === undefined) {
        assert.equal(ours, undefined, what);
      } else {
        const t = theirs as Error & Record<string, unknown>;
        const o = ours as Error & Record<string, unknown>;
        assert.ok(o instanceof Error, `expected an error for ${what}`);
        assert.equal(o.message, t.message, what);
        assert.equal(o.name, t.name);
        assert.deepEqual(Object.keys(o), Object.keys(t), what);
        for (const k of Object.keys(t)) assert.deepEqual(o[k], t[k], `${what} field ${k}`);
        assert.equal(String(o), String(t));
        assert.ok(o.stack!.startsWith('Error [ERR_TLS_CERT_ALTNAME_INVALID]: '));
      }
      compared++;
    }
  }
  assert.ok(compared > 400);
});

test('isIP and canonicalizeIP agree with Node', () => {
  for (const s of ['1.2.3.4', '01.2.3.4', '256.1.1.1', '::', '::1', '1::', 'fe80::1%eth0', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'a.b', '']) {
    assert.equal(isIP(s), nodeIsIP(s), s);
  }
  assert.equal(canonicalizeIP('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalizeIP('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalizeIP('::ffff:102:304'), '::ffff:1.2.3.4');
  assert.equal(canonicalizeIP('1:0:0:0:0:0:0:0'), '1::');
});

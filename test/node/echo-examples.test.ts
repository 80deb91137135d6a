/**
 * The four echo examples of the reference document (shared/spec/iojs-tls-api.md): the server and
 * the client, each with PEM key/cert/ca (client certificates via requestCert) and with PFX. The
 * code below is the document's, line for line (the reflowed document put it on one line; its `//`
 * comments show where the lines break); only the `require('tls')` line is replaced. Each server
 * runs with its client in one child process, since the client's 'end' handler calls the server's
 * `server.close()`; the files it reads are made in the child's working directory. The child runs
 * in its own network namespace (unshare -rn) so the document's port 8000 cannot clash with
 * anything else on the machine; without unshare it uses the real loopback and skips when 8000 is taken.
 * Each pair also runs with node:tls on one side, and on both sides as the control.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixtureFiles } from './fixture-files.js';

const files = fixtureFiles();
after(() => files.cleanup());

/** The compiled ts-tls entry point beside this test (build/src/index.js). */
const TS_TLS = fileURLToPath(new URL('../../src/index.js', import.meta.url));
const REQUIRE_LINE = "var tls = require('tls');";

const PEM_SERVER = `var tls = require('tls');
var fs = require('fs');

var options = {
  key: fs.readFileSync('server-key.pem'),
  cert: fs.readFileSync('server-cert.pem'),

  // This is necessary only if using the client certificate authentication.
  requestCert: true,

  // This is necessary only if the client uses the self-signed certificate.
  ca: [ fs.readFileSync('client-cert.pem') ]
};

var server = tls.createServer(options, function(socket) {
  console.log('server connected',
              socket.authorized ? 'authorized' : 'unauthorized');
  socket.write("welcome!\\n");
  socket.setEncoding('utf8');
  socket.pipe(socket);
});
server.listen(8000, function() {
  console.log('server bound');
});
`;

const PFX_SERVER = `var tls = require('tls');
var fs = require('fs');

var options = {
  pfx: fs.readFileSync('server.pfx'),

  // This is necessary only if using the client certificate authentication.
  requestCert: true,

};

var server = tls.createServer(options, function(socket) {
  console.log('server connected',
              socket.authorized ? 'authorized' : 'unauthorized');
  socket.write("welcome!\\n");
  socket.setEncoding('utf8');
  socket.pipe(socket);
});
server.listen(8000, function() {
  console.log('server bound');
});
`;

const PEM_CLIENT = `var tls = require('tls');
var fs = require('fs');

var options = {
  // These are necessary only if using the client certificate authentication
  key: fs.readFileSync('client-key.pem'),
  cert: fs.readFileSync('client-cert.pem'),

  // This is necessary only if the server uses the self-signed certificate
  ca: [ fs.readFileSync('server-cert.pem') ]
};

var socket = tls.connect(8000, options, function() {
  console.log('client connected',
              socket.authorized ? 'authorized' : 'unauthorized');
  process.stdin.pipe(socket);
  process.stdin.resume();
});
socket.setEncoding('utf8');
socket.on('data', function(data) {
  console.log(data);
});
socket.on('end', function() {
  server.close();
});
`;

const PFX_CLIENT = `var tls = require('tls');
var fs = require('fs');

var options = {
  pfx: fs.readFileSync('client.pfx')
};

var socket = tls.connect(8000, options, function() {
  console.log('client connected',
              socket.authorized ? 'authorized' : 'unauthorized');
  process.stdin.pipe(socket);
  process.stdin.resume();
});
socket.setEncoding('utf8');
socket.on('data', function(data) {
  console.log(data);
});
socket.on('end', function() {
  server.close();
});
`;

/** The PFX variant's files are the CA-signed agent pairs (the document's agent5 + ca-cert). */
type Impl = 'ts-tls' | 'node:tls';
const requireLine = (impl: Impl): string => (impl === 'ts-tls' ? `var tls = require(${JSON.stringify(TS_TLS)});` : REQUIRE_LINE);

const unshareWorks = spawnSync('unshare', ['-rn', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs server code then client code in one child, types one line on its stdin, then EOF. */
function runExample(name: string, server: string, client: string, serverImpl: Impl, clientImpl: Impl): Promise<Run> {
  for (const code of [server, client]) assert.ok(code.startsWith(`${REQUIRE_LINE}\n`), 'the example starts with the require line');
  const script = `${requireLine(serverImpl)}${server.slice(REQUIRE_LINE.length)}${requireLine(clientImpl)}${client.slice(REQUIRE_LINE.length)}`;
  const file = `${name}-${serverImpl === 'ts-tls' ? 'ours' : 'node'}-${clientImpl === 'ts-tls' ? 'ours' : 'node'}.cjs`;
  writeFileSync(files.path(file), script);
  const [cmd, args] = unshareWorks
    ? ['unshare', ['-rn', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" --no-warnings "${file}"`]]
    : [process.execPath, ['--no-warnings', file]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args as string[], { cwd: files.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not finish in time; stdout: ${stdout} stderr: ${stderr}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Type a line once the client is in (it pipes stdin from 'secureConnect'), then EOF.
      if (stdout.includes('client connected') && child.stdin.writable && !child.stdin.writableEnded) child.stdin.end('hello from stdin\n');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const pairs: [Impl, Impl][] = [
  ['ts-tls', 'ts-tls'],
  ['ts-tls', 'node:tls'],
  ['node:tls', 'ts-tls'],
  ['node:tls', 'node:tls'],
];

for (const [variant, server, client] of [
  ['pem', PEM_SERVER, PEM_CLIENT],
  ['pfx', PFX_SERVER, PFX_CLIENT],
] as const) {
  describe(`the reference document's ${variant.toUpperCase()} echo server and client`, () => {
    for (const [s, c] of pairs) {
      it(`server ${s}, client ${c}: both authorized, the welcome and the typed line come back, the process exits`, async (t) => {
        const run = await runExample(variant, server, client, s, c);
        if (!unshareWorks && run.stderr.includes('EADDRINUSE')) return t.skip('port 8000 is in use and unshare is unavailable');
        assert.equal(run.code, 0, `exit code; stderr: ${run.stderr}`);
        assert.match(run.stdout, /^server bound$/m);
        assert.match(run.stdout, /^server connected authorized$/m);
        assert.match(run.stdout, /^client connected authorized$/m);
        // console.log(data) prints each chunk as it arrives: the text is the welcome, then the echo.
        const echoed = run.stdout.split('\n').filter((l) => !/^(server bound|server connected|client connected)/.test(l)).join('');
        assert.equal(echoed, 'welcome!hello from stdin');
      });
    }
  });
}

/**
 * tls.createSecurePair (io.js API, deprecated in Node as DEP0064): a TLSSocket over one end of an
 * in-memory duplex pair. `pair.encrypted` is the other end, carrying TLS records to pipe to and
 * from the network; `pair.cleartext` is the TLSSocket. As Node does, calling it prints DEP0064 once.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { SecureContext, createSecureContext } from './secure-context.js';
import { TLSSocket, type TLSSocketOptions } from './tls-socket.js';

/**
 * One end of a pair: what is written here is read from the peer end. `delivered` counts the bytes
 * this end passed to its peer; `bytesWritten` reports the count of `counted` (itself unless set).
 */
class PairEnd extends Duplex {
  peer!: PairEnd;
  delivered = 0;
  counted: PairEnd = this;

  get bytesWritten(): number {
    return this.counted.delivered;
  }
  private waiting: (() => void) | null = null;

  override _read(): void {
    const resume = this.peer.waiting;
    this.peer.waiting = null;
    resume?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.delivered += chunk.length;
    // Backpressure: hold the callback until the peer's reader asks for more.
    if (this.peer.push(chunk)) cb();
    else this.waiting = () => cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.peer.push(null);
    cb();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.waiting = null;
    if (!this.peer.destroyed) this.peer.destroy();
    cb(err);
  }
}

function pairEnds(): [PairEnd, PairEnd] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

export class SecurePair extends EventEmitter {
  readonly server: net.Server | undefined;
  readonly credentials: SecureContext;
  readonly encrypted: PairEnd;
  readonly cleartext: TLSSocket;

  constructor(
    secureContext: SecureContext = createSecureContext(),
    isServer = false,
    requestCert = !isServer,
    rejectUnauthorized = false,
    options: TLSSocketOptions = {},
  ) {
    super();
    const [network, tlsSide] = pairEnds();
    this.server = options.server;
    this.credentials = secureContext;
    this.encrypted = network;
    // io.js CryptoStream.bytesWritten: "the total bytes written to the socket, including the TLS
    // overhead", i.e. the records the TLS side sent out through `encrypted`.
    network.counted = tlsSide;
    this.cleartext = new TLSSocket(tlsSide, { ...options, secureContext, isServer, requestCert, rejectUnauthorized });
    this.cleartext.once('secure', () => this.emit('secure'));
  }

  destroy(): void {
    this.cleartext.destroy();
    this.encrypted.destroy();
  }
}

let warned = false;

/** createSecurePair([context][, isServer][, requestCert][, rejectUnauthorized][, options]). */
export function createSecurePair(
  context?: SecureContext,
  isServer?: boolean,
  requestCert?: boolean,
  rejectUnauthorized?: boolean,
  options?: TLSSocketOptions,
): SecurePair {
  if (!warned) {
    warned = true;
    process.emitWarning('tls.createSecurePair() is deprecated. Please use tls.TLSSocket instead.', 'DeprecationWarning', 'DEP0064');
  }
  return new SecurePair(context, isServer, requestCert, rejectUnauthorized, options);
}

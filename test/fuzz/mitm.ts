/**
 * A TLS 1.3 man-in-the-middle on 127.0.0.1 for hostile-peer tests. It terminates the record layer
 * in both directions with the secrets both endpoints log ('keylog'), so it can do what a hostile
 * peer could: re-frame each handshake message into its own record, then drop, duplicate, reorder,
 * truncate or re-type messages and records, inject alerts, CCS, KeyUpdates, empty or oversized
 * records and garbage, flip bits in sealed records, or cut the stream. It also reads the alerts the
 * victim writes, so a test can check the alert on the wire and not only the error object.
 *
 * Without a fault it is transparent: every record is re-sealed with the same key and sequence
 * number, which reproduces the sender's bytes (AEAD sealing is deterministic).
 */
import net from 'node:net';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { nextTrafficSecret, tls13Suite, trafficKey, type Tls13Suite, type TrafficKey } from '../../src/handshake/tls13/keys.js';
import { concatBytes } from '../../src/util/bytes.js';
import { listen } from '../node/helpers.js';

const provider = nodeCryptoProvider();
export const CT = { ccs: 20, alert: 21, handshake: 22, appData: 23 } as const;
export const HS = { clientHello: 1, serverHello: 2, newSessionTicket: 4, encryptedExtensions: 8, certificate: 11, certificateRequest: 13, certificateVerify: 15, finished: 20, keyUpdate: 24 } as const;

export type Dir = 'c2s' | 's2c';
export type Epoch = 'plain' | 'hs' | 'app';

/** What the sender meant to send: one whole handshake message, or one non-handshake record. */
export interface Item {
  dir: Dir;
  epoch: Epoch;
  type: number;
  /** Handshake items: the whole message with its 4-byte header. Others: the record content. */
  content: Uint8Array;
  /** Index of this item among the items of its direction, and among its direction's sealed ones. */
  index: number;
  sealedIndex: number;
}

/** One record to write: sealed (in `epoch`, default the item's) or raw bytes. */
export type Out =
  | { seal: { type: number; content: Uint8Array }; epoch?: Epoch; patch?: (record: Uint8Array) => Uint8Array; holdForSwap?: boolean }
  | { plain: { type: number; content: Uint8Array } }
  | { raw: Uint8Array }
  | { cut: true };

/** A fault: sees each item of both directions, returns what to write instead (default: the item). */
export interface Fault {
  onItem(item: Item, mitm: Session): Out[] | undefined;
}

export const asIs = (item: Item): Out => (item.epoch === 'plain' ? { plain: { type: item.type, content: item.content } } : { seal: { type: item.type, content: item.content } });

/** Secrets logged by both ends, by client_random (hex) and NSS label. */
export class KeyLog {
  private readonly map = new Map<string, Map<string, Uint8Array>>();
  add(line: Buffer | string): void {
    const [label, random, secret] = line.toString().trim().split(' ');
    if (!label || !random || !secret) return;
    let m = this.map.get(random);
    if (!m) this.map.set(random, (m = new Map()));
    m.set(label, Buffer.from(secret, 'hex'));
  }
  get(random: string, label: string): Uint8Array | undefined {
    return this.map.get(random)?.get(label);
  }
}

const LABELS: Record<Dir, Record<'hs' | 'app', string>> = {
  c2s: { hs: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', app: 'CLIENT_TRAFFIC_SECRET_0' },
  s2c: { hs: 'SERVER_HANDSHAKE_TRAFFIC_SECRET', app: 'SERVER_TRAFFIC_SECRET_0' },
};

interface Protection {
  epoch: Epoch;
  key?: TrafficKey;
  secret?: Uint8Array;
  seq: number;
}

function nonceFor(iv: Uint8Array, seq: number): Uint8Array {
  const n = iv.slice();
  let s = BigInt(seq);
  for (let i = 0; i < 8; i++, s >>= 8n) n[n.length - 1 - i]! ^= Number(s & 0xffn);
  return n;
}

function header(type: number, len: number): Uint8Array {
  return Uint8Array.of(type, 3, 3, len >> 8, len & 0xff);
}

/** One direction: deframes and opens the sender's records, re-seals what the fault writes. */
class Leg {
  private inBuf: Uint8Array = new Uint8Array(0);
  private hsBuf: Uint8Array = new Uint8Array(0);
  readonly read: Protection = { epoch: 'plain', seq: 0 };
  private readonly write: Record<'hs' | 'app', Protection> = { hs: { epoch: 'hs', seq: 0 }, app: { epoch: 'app', seq: 0 } };
  private items = 0;
  private sealedItems = 0;
  private held: Uint8Array | null = null;
  private waitingSince = 0;
  bytesOut = 0;
  /** Stream offsets after each record written (record boundaries, for truncation tests). */
  readonly boundaries: number[] = [];
  ended = false;

  constructor(
    readonly dir: Dir,
    private readonly s: Session,
    private readonly out: net.Socket,
  ) {}

  feed(chunk: Uint8Array): void {
    this.inBuf = concatBytes(this.inBuf, chunk);
    this.pump();
  }

  /** Processes whole records while the keys they need are known (the keylog may lag a little). */
  pump(): void {
    while (this.inBuf.length >= 5 && !this.ended) {
      const len = (this.inBuf[3]! << 8) | this.inBuf[4]!;
      if (this.inBuf.length < 5 + len) return;
      const rec = this.inBuf.subarray(0, 5 + len);
      if (!this.open(rec)) {
        // The key is not logged yet: retry shortly (bounded; then pass the rest through raw).
        if (!this.waitingSince) this.waitingSince = Date.now();
        if (Date.now() - this.waitingSince < 1000) {
          setTimeout(() => this.pump(), 2);
          return;
        }
        this.s.notes.push(`${this.dir}: could not open a record; passing the rest through`);
        this.writeRaw(this.inBuf);
        this.inBuf = new Uint8Array(0);
        this.s.opaque[this.dir] = true;
        return;
      }
      this.waitingSince = 0;
      this.inBuf = this.inBuf.slice(5 + len);
    }
  }

  private keyFor(epoch: 'hs' | 'app'): TrafficKey | undefined {
    const secret = this.s.clientRandom && this.s.keylog.get(this.s.clientRandom, LABELS[this.dir][epoch]);
    if (!secret || !this.s.suite) return undefined;
    return trafficKey(provider, this.s.suite, secret);
  }

  /** Returns false when the record needs a key we do not have yet. */
  private open(rec: Uint8Array): boolean {
    const type = rec[0]!;
    const body = rec.subarray(5);
    if (this.s.opaque[this.dir]) {
      this.writeRaw(rec);
      return true;
    }
    if (type !== CT.appData || (this.read.epoch === 'plain' && !this.s.suite)) {
      this.deliver(type, body.slice(), 'plain');
      return true;
    }
    if (this.read.epoch === 'plain') Object.assign(this.read, { epoch: 'hs', key: undefined, seq: 0 });
    if (!this.read.key) {
      // First record of an epoch: its secret comes from the keylog (it may lag a moment).
      const epoch = this.read.epoch as 'hs' | 'app';
      const key = this.keyFor(epoch);
      if (!key) return false;
      Object.assign(this.read, { key, secret: this.s.keylog.get(this.s.clientRandom!, LABELS[this.dir][epoch]) });
    }
    const plain = this.read.key!.aead.open(nonceFor(this.read.key!.iv, this.read.seq), rec.subarray(0, 5), body);
    if (!plain) {
      // A record we cannot open (the victim's reaction to a fault may be in an epoch we do not
      // follow): pass it through unchanged and stop interpreting this direction.
      this.s.opaque[this.dir] = true;
      this.writeRaw(rec);
      return true;
    }
    this.read.seq++;
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    const innerType = plain[end - 1] ?? 0;
    this.deliver(innerType, plain.subarray(0, Math.max(0, end - 1)).slice(), this.read.epoch);
    return true;
  }

  /** Splits handshake content into messages; every item goes through the fault. */
  private deliver(type: number, content: Uint8Array, epoch: Epoch): void {
    if (type === CT.alert && content.length === 2) this.s.alerts[this.dir].push({ level: content[0]!, desc: content[1]! });
    if (type !== CT.handshake) return this.emit({ dir: this.dir, epoch, type, content, index: 0, sealedIndex: 0 });
    this.hsBuf = concatBytes(this.hsBuf, content);
    while (this.hsBuf.length >= 4) {
      const len = (this.hsBuf[1]! << 16) | (this.hsBuf[2]! << 8) | this.hsBuf[3]!;
      if (this.hsBuf.length < 4 + len) break;
      const msg = this.hsBuf.slice(0, 4 + len);
      this.hsBuf = this.hsBuf.slice(4 + len);
      this.learn(msg);
      this.s.messages[this.dir].push(`${epoch}:${msg[0]}`);
      this.emit({ dir: this.dir, epoch, type, content: msg, index: 0, sealedIndex: 0 });
      this.afterMessage(msg);
    }
  }

  private learn(msg: Uint8Array): void {
    if (msg[0] === HS.clientHello && this.dir === 'c2s' && !this.s.clientRandom) {
      this.s.clientRandom = Buffer.from(msg.subarray(6, 38)).toString('hex');
    }
    if (msg[0] === HS.serverHello && this.dir === 's2c' && !this.s.suite) {
      const sidLen = msg[38]!;
      const suiteId = (msg[39 + sidLen]! << 8) | msg[40 + sidLen]!;
      this.s.suite = tls13Suite(suiteId);
      this.s.serverHelloSeen = true;
    }
  }

  /** Key changes that follow a message the sender sent: its Finished, its KeyUpdate. */
  private afterMessage(msg: Uint8Array): void {
    if (msg[0] === HS.finished && this.read.epoch === 'hs') {
      Object.assign(this.read, { epoch: 'app', secret: undefined, key: undefined, seq: 0 });
    } else if (msg[0] === HS.keyUpdate && this.read.epoch === 'app') {
      const secret = nextTrafficSecret(provider, this.s.suite!, this.read.secret!);
      Object.assign(this.read, { secret, key: trafficKey(provider, this.s.suite!, secret), seq: 0 });
    }
  }

  private emit(item: Item): void {
    item.index = this.items++;
    item.sealedIndex = item.epoch === 'plain' ? -1 : this.sealedItems++;
    const outs = this.s.fault.onItem(item, this.s) ?? [asIs(item)];
    for (const o of outs) this.writeOut(o, item.epoch);
  }

  private writeProtection(epoch: 'hs' | 'app'): Protection | undefined {
    const w = this.write[epoch];
    if (!w.key) {
      const secret = this.s.clientRandom && this.s.keylog.get(this.s.clientRandom, LABELS[this.dir][epoch]);
      if (!secret || !this.s.suite) return undefined;
      w.secret = secret;
      w.key = trafficKey(provider, this.s.suite, secret);
    }
    return w;
  }

  /** Seals one record as the sender would; a KeyUpdate we write moves our keys like the receiver's. */
  seal(type: number, content: Uint8Array, epoch: 'hs' | 'app'): Uint8Array {
    const w = this.writeProtection(epoch);
    if (!w) throw new Error(`mitm ${this.dir}: no ${epoch} key to seal with`);
    const inner = concatBytes(content, Uint8Array.of(type));
    const head = header(CT.appData, inner.length + 16);
    const rec = concatBytes(head, ...w.key!.aead.seal(nonceFor(w.key!.iv, w.seq++), head, inner));
    if (type === CT.handshake && epoch === 'app' && content[0] === HS.keyUpdate) {
      w.secret = nextTrafficSecret(provider, this.s.suite as Tls13Suite, w.secret!);
      w.key = trafficKey(provider, this.s.suite as Tls13Suite, w.secret);
      w.seq = 0;
    }
    return rec;
  }

  private writeOut(o: Out, itemEpoch: Epoch): void {
    if ('cut' in o) return this.cut();
    if ('raw' in o) return this.writeRaw(o.raw);
    if ('plain' in o) return this.writeRaw(concatBytes(header(o.plain.type, o.plain.content.length), o.plain.content));
    const epoch = o.epoch ?? itemEpoch;
    let rec = epoch === 'plain' ? concatBytes(header(o.seal.type, o.seal.content.length), o.seal.content) : this.seal(o.seal.type, o.seal.content, epoch);
    if (o.patch) rec = o.patch(rec);
    if (o.holdForSwap && !this.held) {
      this.held = rec;
      return;
    }
    this.writeRaw(rec);
    if (this.held) {
      const h = this.held;
      this.held = null;
      this.writeRaw(h);
    }
  }

  writeRaw(bytes: Uint8Array): void {
    if (this.ended || this.out.destroyed) return;
    const limit = this.s.cutAt[this.dir];
    if (limit !== undefined && this.bytesOut + bytes.length >= limit) {
      this.out.write(bytes.subarray(0, Math.max(0, limit - this.bytesOut)));
      this.bytesOut = limit;
      return this.cut();
    }
    this.bytesOut += bytes.length;
    this.boundaries.push(this.bytesOut);
    this.out.write(bytes);
  }

  cut(): void {
    this.ended = true;
    this.out.end();
  }
}

/** One proxied connection. */
export class Session {
  clientRandom: string | undefined;
  suite: Tls13Suite | undefined;
  serverHelloSeen = false;
  readonly alerts: Record<Dir, { level: number; desc: number }[]> = { c2s: [], s2c: [] };
  readonly opaque: Record<Dir, boolean> = { c2s: false, s2c: false };
  /** Handshake messages each side sent, as `epoch:type` (what the MITM read, before any fault). */
  readonly messages: Record<Dir, string[]> = { c2s: [], s2c: [] };
  readonly cutAt: Partial<Record<Dir, number>> = {};
  readonly notes: string[] = [];
  readonly legs: Partial<Record<Dir, Leg>> = {};
  /** Resolves when the given side's TCP leg to the proxy has closed. */
  readonly closed: Record<'client' | 'server', Promise<void>>;
  private sockets: net.Socket[] = [];

  constructor(
    readonly keylog: KeyLog,
    readonly fault: Fault,
    fromClient: net.Socket,
    toServer: net.Socket,
  ) {
    this.sockets = [fromClient, toServer];
    this.legs.c2s = new Leg('c2s', this, toServer);
    this.legs.s2c = new Leg('s2c', this, fromClient);
    const closed = (s: net.Socket) => new Promise<void>((r) => s.once('close', () => r()));
    this.closed = { client: closed(fromClient), server: closed(toServer) };
    for (const s of this.sockets) s.on('error', () => {});
    fromClient.on('data', (d: Buffer) => this.legs.c2s!.feed(d));
    toServer.on('data', (d: Buffer) => this.legs.s2c!.feed(d));
    // A FIN (or a reset: a peer that destroys its socket with unread input resets it) from one
    // side is passed on once everything before it has been written.
    for (const [a, b] of [[fromClient, toServer], [toServer, fromClient]] as const) {
      a.on('end', () => b.end());
      a.on('close', () => b.end());
    }
  }

  /** One direction of this connection (its record boundaries, its sealing state). */
  leg(dir: Dir): Leg {
    return this.legs[dir]!;
  }

  destroy(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/** A listening proxy in front of `serverPort`; `next` is the fault for the next connection. */
export class Mitm {
  readonly keylog = new KeyLog();
  fault: Fault = { onItem: () => undefined };
  sessions: Session[] = [];
  private server!: net.Server;
  port = 0;

  async listen(serverPort: number): Promise<void> {
    this.server = net.createServer((fromClient) => {
      const toServer = net.connect({ host: '127.0.0.1', port: serverPort });
      this.sessions.push(new Session(this.keylog, this.fault, fromClient, toServer));
    });
    this.port = await listen(this.server);
  }

  close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

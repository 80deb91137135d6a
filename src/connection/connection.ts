/**
 * The sans-I/O connection: bytes in (`receive`), records out (`takeOutgoing`), typed events out.
 *
 * The dispatch loop pulls one record at a time from the RecordReader, so a key installed by a
 * handshake state takes effect exactly at the next record boundary:
 *
 *   bytes -> RecordReader -> alert      -> peerClosed / error(fromPeer)
 *                         -> CCS        -> dropped (compatibility mode) or unexpected_message
 *                         -> handshake  -> HandshakeJoiner -> decodeHandshake -> state.handle
 *                         -> app data   -> `data` events
 *
 * Failure is sticky: `fatal` queues our alert once and every later call is a no-op. Nothing but
 * events leaves `receive()`: any exception that is not a TlsError becomes internal_error.
 */
import type { DecodedHandshake, HandshakeMessage } from '../wire/types.js';
import { AlertDescription, AlertLevel, ContentType, nameOf, ProtocolVersion } from '../wire/registry.js';
import { decodeAlert, encodeAlert } from '../wire/alert.js';
import { decodeHandshake, encodeHandshake } from '../wire/handshake/index.js';
import { HandshakeJoiner, MAX_HANDSHAKE_MESSAGE } from '../wire/handshake-joiner.js';
import { RecordReader } from '../record/reader.js';
import { RecordWriter } from '../record/writer.js';
import { MAX_EMPTY_RECORDS_IN_A_ROW, MAX_PLAINTEXT_LENGTH, MIN_FRAGMENT_LENGTH as RECORD_WRITER_MIN_FRAGMENT } from '../record/limits.js';
import { TlsError } from '../util/errors.js';
import { concatBytes } from '../util/bytes.js';
import { keepShape } from '../util/shape-keeper.js';
import type { CryptoProvider } from '../crypto/provider.js';
import type { HandshakeEvent, HandshakeIo, HandshakeState, HandshakeSummary, TrafficKeyInstall } from '../handshake/common/state.js';
import { describeMessage } from '../handshake/common/trace.js';
import { startClient, startServer } from '../handshake/hello.js';
import { ExpectTraffic } from '../handshake/tls13/traffic.js';
import type { ClientConfig, CommonConfig, ConnectionEvent, NegotiatedParams, ServerConfig, ServerHelloDecision, TlsConnection } from './types.js';

/**
 * RFC 8446 §5.1 allows empty application_data records; a peer sending only those is stalling us.
 * The RecordReader enforces this limit (it sees every record first); exported here for drivers.
 */
export const MAX_EMPTY_RECORDS_IN_ROW = MAX_EMPTY_RECORDS_IN_A_ROW;
/** TLS 1.3 has only two non-fatal alerts (close_notify, user_canceled); more than a few in a row is abuse. */
export const MAX_WARNING_ALERTS_IN_ROW = 4;
/** KeyUpdates cost us key derivations; more than this many within KEY_UPDATE_WINDOW_RECORDS records is abuse. */
export const MAX_KEY_UPDATES_PER_WINDOW = 32;
export const KEY_UPDATE_WINDOW_RECORDS = 1024;
/** Compatibility-mode CCS records accepted during one handshake (RFC 8446 §D.4: one per peer, allow a spare). */
export const MAX_COMPAT_CCS = 2;
/**
 * While the server waits for the ClientHello decision, a well-behaved client sends nothing more
 * (it waits for ServerHello); input beyond this is buffered by nobody's choice, so it is refused.
 */
export const MAX_INPUT_WHILE_PAUSED = 64 * 1024;
/** The bounds of setMaxFragmentLength (Node: tlsSocket.setMaxSendFragment). */
export const MIN_FRAGMENT_LENGTH = 512;
export const MAX_FRAGMENT_LENGTH = MAX_PLAINTEXT_LENGTH;
/**
 * Handshake bytes we hold before they are taken as whole messages: one maximal message with its
 * header, plus the rest of the record that completed it. The joiner already refuses a larger
 * declared length; this bounds what it may hold in total.
 */
export const MAX_BUFFERED_HANDSHAKE_BYTES = MAX_HANDSHAKE_MESSAGE + 4 + MAX_FRAGMENT_LENGTH;

/**
 * What a disposed connection's trace option becomes: a function like the drivers' own, so the
 * field keeps its type (a boolean there would change the hidden class of every connection, see
 * node/warm-shapes.ts) while the driver's callback, which may reach its whole socket, is let go.
 */
const NEVER_TRACE = (): boolean => false;

export class Connection implements TlsConnection {
  private readonly reader = new RecordReader();
  private readonly writer = new RecordWriter();
  /**
   * Created by the first handshake record; dropped once the handshake is done and it holds nothing,
   * so an established connection keeps none between post-handshake messages (KeyUpdate, tickets).
   */
  private joiner: HandshakeJoiner | null = null;
  private state: HandshakeState | undefined;
  /**
   * `state.paused`, kept here: the record loop reads it for every read, and reading it from the
   * state would make that loop's optimised code depend on the handshake states' hidden classes,
   * which die with each handshake (so every new connection's handshake deoptimised the data path).
   */
  private paused = false;
  /** Events for the next drain; null while there are none (no empty array kept per connection). */
  private events: ConnectionEvent[] | null = null;
  /**
   * The last queued event while it is a data event, which the next record may widen (data()).
   * Read from here, not from the queue: the queue holds events of several shapes, and code
   * optimised on data events alone was thrown away when a handshake event came first.
   */
  private openData: { type: 'data'; data: Uint8Array } | null = null;
  private fail: TlsError | undefined;
  private summary: NegotiatedParams | undefined;
  private sentClose = false;
  private receivedClose = false;
  private disposed = false;
  private warningsInRow = 0;
  private compatCcs = 0;
  private recordsInWindow = 0;
  private keyUpdatesInWindow = 0;
  private readonly io: HandshakeIo;
  /** Handshake messages of the current flight, sent as one run of records at the next flush. */
  private pendingHandshake: Uint8Array[] | null = null;
  /** During receive(bytes, true): the buffer the caller will reuse once receive returns. */
  private transientInput: ArrayBufferLike | null = null;
  /** setMaxFragmentLength's value and the peer's record_size_limit bound our records together. */
  private userMaxFragment = MAX_FRAGMENT_LENGTH;
  private peerMaxFragment = MAX_FRAGMENT_LENGTH;
  /**
   * The driver's config, needed until the handshake completes (the client's first state reads
   * it); then let go, so an established connection does not keep the whole config object alive.
   * What is still needed later is copied: the trace option here, the provider and clock in io.
   */
  private config: ClientConfig | ServerConfig | null;
  /** Not readonly: dispose() lets go of it (a driver's callback may reach the driver's whole socket). */
  private traceOption: CommonConfig['trace'];

  /**
   * @param firstState  test seam for replaying recorded handshakes (RFC 8448): builds the client's
   *                    first state instead of `startClient` (which would send a fresh ClientHello).
   */
  constructor(
    readonly isServer: boolean,
    config: ClientConfig | ServerConfig,
    private readonly firstState?: (io: HandshakeIo) => HandshakeState,
  ) {
    this.config = config;
    this.traceOption = config.trace;
    this.io = new Connection.Io(this, config);
    // A peer rejecting our flight may send its alert before it has keys (RecordReader explains).
    this.reader.acceptPlaintextAlerts(true);
    this.setMaxFragmentLength(config.maxFragmentLength ?? MAX_FRAGMENT_LENGTH);
    if (isServer) this.enter(startServer(config as ServerConfig));
  }

  get handshakeComplete(): boolean {
    return this.done;
  }
  /** The handshake is complete once its summary exists (one field for both). */
  private get done(): boolean {
    return this.summary !== undefined;
  }
  get negotiated(): NegotiatedParams | undefined {
    return this.summary;
  }
  get failure(): TlsError | undefined {
    return this.fail;
  }
  get outgoingBytes(): number {
    // A flight not yet framed counts too (its messages, not their record headers): non-zero
    // exactly when takeOutgoing() has something to return.
    let n = this.writer.queuedBytes;
    const pending = this.pendingHandshake;
    if (pending !== null) for (const m of pending) n += m.length;
    return n;
  }

  start(): ConnectionEvent[] {
    // A disposed client sends no ClientHello (its config is gone); the drain is empty.
    if (!this.disposed) this.begin();
    return this.drain();
  }

  /** A client queues its ClientHello once; a server's first state exists from construction. */
  private begin(): void {
    if (this.isServer || this.state || this.fail) return;
    this.guard(() => {
      this.enter(this.firstState ? this.firstState(this.io) : startClient(this.io, this.config as ClientConfig));
    });
  }

  receive(bytes: Uint8Array, transient = false): ConnectionEvent[] {
    if (this.fail || this.disposed) return this.drain();
    this.begin();
    if (transient) this.transientInput = bytes.buffer;
    try {
      this.guard(() => {
        this.reader.push(bytes);
        if (this.paused && this.reader.bufferedBytes > MAX_INPUT_WHILE_PAUSED) {
          throw new TlsError(AlertDescription.unexpected_message, 'TooMuchInputWhilePaused', `more than ${MAX_INPUT_WHILE_PAUSED} bytes arrived while the ClientHello decision was pending`);
        }
        this.pump();
      });
    } finally {
      if (transient) {
        this.transientInput = null;
        this.reader.ownBuffered(bytes.buffer);
      }
    }
    return this.drain();
  }

  takeOutgoing(): Uint8Array[] {
    // The socket asks after every read: without a pending flight there is nothing to guard.
    if (this.pendingHandshake !== null) this.guard(() => this.flushHandshake());
    return this.writer.take();
  }

  enableOutgoingReuse(): void {
    this.writer.enableOutputReuse();
  }

  releaseOutgoing(): void {
    this.writer.releaseTaken();
  }

  write(data: Uint8Array): void {
    if (this.fail) throw this.fail;
    if (this.disposed) throw new Error('cannot write after dispose()');
    if (!this.done) throw new Error('cannot write application data before the handshake completes');
    if (this.sentClose) throw new Error('cannot write after close()');
    if (data.length === 0) return;
    this.flushHandshake();
    // RFC 8446 §5.5: rekey before the AEAD usage limit instead of failing at it.
    if (this.writer.keyUpdateDue && this.state instanceof ExpectTraffic) this.state.sendKeyUpdate(this.io, false);
    // The record path sees plain Uint8Arrays only, as our own alerts and handshake messages are:
    // optimised for an application's Buffers alone, it was thrown away at the first close_notify.
    this.writer.seal(ContentType.application_data, new Uint8Array(data.buffer, data.byteOffset, data.length));
  }

  close(): void {
    // After dispose() the keys are gone: there is nothing to close, as after a failure.
    if (this.fail || this.sentClose || this.disposed) return;
    this.sentClose = true;
    this.flushHandshake();
    this.writeRecord(ContentType.alert, encodeAlert(AlertLevel.warning, AlertDescription.close_notify));
  }

  keyUpdate(requestPeer: boolean): void {
    if (this.fail) throw this.fail;
    if (this.disposed) throw new Error('cannot update keys after dispose()');
    if (!(this.state instanceof ExpectTraffic) || !this.done) throw new Error('KeyUpdate needs a completed TLS 1.3 handshake');
    if (this.sentClose) throw new Error('cannot update keys after close()');
    this.state.sendKeyUpdate(this.io, requestPeer);
    this.flushHandshake();
  }

  resumeHandshake(decision: ServerHelloDecision): ConnectionEvent[] {
    if (this.fail || this.disposed) return this.drain();
    const state = this.state;
    if (!this.paused || !state?.resume) throw new Error('resumeHandshake called while the handshake is not waiting for a decision');
    this.guard(() => {
      this.enter(state.resume!(this.io, decision));
      this.pump();
    });
    return this.drain();
  }

  exportKeyingMaterial(label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    if (!(this.state instanceof ExpectTraffic) || !this.done || this.disposed) throw new Error('keying material is available only after the handshake, until the connection is disposed');
    return this.state.exportKeyingMaterial(this.io, label, context, length);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.state instanceof ExpectTraffic) this.state.wipe();
    this.reader.dispose();
    this.writer.dispose();
    this.events = null;
    this.openData = null;
    this.pendingHandshake = null;
    this.joiner = null;
    this.config = null; // disposed mid-handshake: the config is let go as a completed handshake lets it go
    this.traceOption = NEVER_TRACE;
  }

  setMaxFragmentLength(n: number): void {
    if (!Number.isInteger(n) || n < MIN_FRAGMENT_LENGTH || n > MAX_FRAGMENT_LENGTH) {
      throw new RangeError(`max fragment length must be an integer in ${MIN_FRAGMENT_LENGTH}..${MAX_FRAGMENT_LENGTH}`);
    }
    this.userMaxFragment = n;
    this.applyMaxFragment();
  }

  /** Our records fit both setMaxFragmentLength's value and the peer's record_size_limit. */
  private applyMaxFragment(): void {
    this.writer.maxFragment = Math.min(this.userMaxFragment, this.peerMaxFragment);
  }

  // --- the dispatch loop ---

  /**
   * Processes buffered handshake messages, then records, until input runs out or the state pauses.
   * Then, however it ends, the reader settles its plaintext slab: what it decrypted is about to
   * leave the engine as events (plaintext-slab.ts).
   */
  private pump(): void {
    try {
      while (!this.fail && this.state !== undefined && !this.paused) {
        const joiner = this.joiner;
        if (joiner !== null) {
          const raw = joiner.next();
          if (raw) {
            this.processHandshake(raw);
            continue;
          }
          if (this.done && joiner.isEmpty()) this.joiner = null;
        }
        const rec = this.reader.next();
        if (!rec) return;
        this.processRecord(rec.type, rec.payload);
      }
    } finally {
      this.reader.settle();
    }
  }

  private processRecord(type: number, payload: Uint8Array): void {
    if (this.receivedClose) return; // RFC 8446 §6.1: "Any data received after a closure alert has been received MUST be ignored."
    // A plaintext record (or a provider's in-place open) is a view of the caller's reused buffer:
    // copy it before the joiner, a message or a data event can keep it.
    // (new Uint8Array(view) copies; a Buffer's slice() would not.)
    if (this.transientInput !== null && payload.buffer === this.transientInput) payload = new Uint8Array(payload);
    this.countRecord();
    switch (type) {
      case ContentType.alert:
        return this.processAlert(payload);
      case ContentType.change_cipher_spec:
        return this.processChangeCipherSpec(payload);
      case ContentType.handshake:
        // §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types".
        if (payload.length === 0) throw new TlsError(AlertDescription.unexpected_message, 'EmptyHandshakeRecord', 'received a zero-length handshake record');
        this.warningsInRow = 0;
        const joiner = (this.joiner ??= new HandshakeJoiner());
        joiner.push(payload);
        if (joiner.pendingBytes > MAX_BUFFERED_HANDSHAKE_BYTES) {
          throw new TlsError(AlertDescription.unexpected_message, 'TooManyBufferedHandshakeBytes', `more than ${MAX_BUFFERED_HANDSHAKE_BYTES} handshake bytes buffered`);
        }
        return;
      case ContentType.application_data:
        if (!this.done) throw new TlsError(AlertDescription.unexpected_message, 'ApplicationDataBeforeHandshake', 'application data arrived before the handshake completed');
        if (!this.handshakeBytesEmpty()) throw new TlsError(AlertDescription.unexpected_message, 'DataInterleavedWithHandshake', 'application data interleaved with a fragmented handshake message');
        this.warningsInRow = 0;
        if (payload.length > 0) this.data(payload);
        return;
      default:
        throw new TlsError(AlertDescription.unexpected_message, 'UnexpectedContentType', `unexpected record content type ${type}`);
    }
  }

  /** The KeyUpdate window (MAX_KEY_UPDATES_PER_WINDOW) is measured in records. */
  private countRecord(): void {
    if (++this.recordsInWindow >= KEY_UPDATE_WINDOW_RECORDS) this.recordsInWindow = this.keyUpdatesInWindow = 0;
  }

  private processAlert(payload: Uint8Array): void {
    const alert = decodeAlert(payload);
    if (alert.description === AlertDescription.close_notify) {
      this.receivedClose = true;
      this.event({ type: 'peerClosed' });
      return;
    }
    // RFC 8446 §6: every alert except close_notify and user_canceled is an error alert "regardless of the AlertLevel".
    if (alert.description === AlertDescription.user_canceled && alert.level === AlertLevel.warning) {
      if (++this.warningsInRow > MAX_WARNING_ALERTS_IN_ROW) {
        throw new TlsError(AlertDescription.unexpected_message, 'TooManyWarningAlerts', `more than ${MAX_WARNING_ALERTS_IN_ROW} warning alerts in a row`);
      }
      return;
    }
    const name = nameOf(AlertDescription, alert.description);
    this.fatal(new TlsError(alert.description, 'PeerSentFatalAlert', `peer sent ${alert.level === AlertLevel.fatal ? 'fatal' : 'warning'} alert ${name}`, true));
  }

  /**
   * RFC 8446 §5: "An implementation may receive an unencrypted record of type change_cipher_spec
   * consisting of the single byte value 0x01 at any time after the first ClientHello message has
   * been sent or received and before the peer's Finished message has been received and MUST simply
   * drop it without further processing. [...] any other change_cipher_spec value or [...] a
   * protected change_cipher_spec record MUST abort the handshake with an "unexpected_message" alert."
   */
  private processChangeCipherSpec(payload: Uint8Array): void {
    const ok = this.state?.acceptsCompatCcs && payload.length === 1 && payload[0] === 1 && this.handshakeBytesEmpty() && this.compatCcs < MAX_COMPAT_CCS;
    if (!ok) throw new TlsError(AlertDescription.unexpected_message, 'UnexpectedChangeCipherSpec', 'change_cipher_spec is only allowed once, as the 0x01 compatibility record during the handshake');
    this.compatCcs++;
  }

  private processHandshake(raw: Uint8Array): void {
    const msg = decodeHandshake(raw, ProtocolVersion.TLSv1_3);
    this.trace('received', msg, raw);
    if (msg.type === 'key_update' && ++this.keyUpdatesInWindow > MAX_KEY_UPDATES_PER_WINDOW) {
      throw new TlsError(AlertDescription.unexpected_message, 'TooManyKeyUpdates', `more than ${MAX_KEY_UPDATES_PER_WINDOW} KeyUpdates within ${KEY_UPDATE_WINDOW_RECORDS} records`);
    }
    const m: DecodedHandshake = { msg, raw };
    this.enter(this.state!.handle(this.io, m));
  }

  private enter(state: HandshakeState): void {
    this.state = state;
    this.paused = state.paused === true;
  }

  // --- output and errors ---

  /**
   * The HandshakeIo handed to the states: prototype methods over the connection, so a connection
   * carries one small object instead of eight closures and their context (~650 B per idle
   * connection). Nested in the class so its methods may use the connection's private members.
   */
  private static readonly Io = class ConnectionIo implements HandshakeIo {
    readonly provider: CryptoProvider;
    private readonly clock: (() => number) | undefined;
    constructor(
      private readonly c: Connection,
      config: ClientConfig | ServerConfig,
    ) {
      this.provider = config.provider;
      this.clock = config.now;
    }

    now(): number {
      const clock = this.clock;
      return clock ? clock() : Date.now();
    }

    send(msg: HandshakeMessage): Uint8Array {
      const c = this.c;
      const raw = encodeHandshake(msg, ProtocolVersion.TLSv1_3);
      (c.pendingHandshake ??= []).push(raw);
      c.trace('sent', msg, raw);
      return raw;
    }

    sendChangeCipherSpec(): void {
      this.c.flushHandshake();
      this.c.writer.writePlain(ContentType.change_cipher_spec, new Uint8Array([1]));
    }

    setReadKey(k: TrafficKeyInstall): void {
      // §5.1: "Handshake messages MUST NOT span key changes."
      if (!this.c.handshakeBytesEmpty()) {
        throw new TlsError(AlertDescription.unexpected_message, 'HandshakeSpansKeyChange', 'a handshake message is pending across a key change');
      }
      this.c.reader.setReadKey13(k.aead, k.iv);
    }

    setWriteKey(k: TrafficKeyInstall): void {
      const c = this.c;
      c.flushHandshake();
      c.writer.setWriteKey13(k.aead, k.iv);
    }

    setPeerRecordSizeLimit(limit: number): void {
      // RFC 8449 §4: in TLS 1.3 the limit counts the inner content-type byte. The record writer's
      // floor is 64 bytes of content, so a peer limit of exactly 64 gets 65-byte inner records.
      this.c.peerMaxFragment = Math.max(RECORD_WRITER_MIN_FRAGMENT, Math.min(MAX_FRAGMENT_LENGTH, limit - 1));
      this.c.applyMaxFragment();
    }

    emit(e: HandshakeEvent): void {
      this.c.event(e);
    }

    complete(s: HandshakeSummary): void {
      const c = this.c;
      c.summary = s;
      c.config = null;
      c.reader.acceptPlaintextAlerts(false);
      c.event({ type: 'handshakeDone' });
    }
  };

  /** No part of a handshake message is buffered (RFC 8446 §5.1 checks at key changes and data). */
  private handshakeBytesEmpty(): boolean {
    return this.joiner === null || this.joiner.isEmpty();
  }

  /**
   * Queues application data. Records decrypted back to back into one buffer (the reader's
   * plaintext slab) become one chunk: one event, and one stream push, per read instead of per record.
   */
  private data(payload: Uint8Array): void {
    const last = this.openData;
    if (last !== null && last.data.buffer === payload.buffer && last.data.byteOffset + last.data.byteLength === payload.byteOffset) {
      // The event is still only in our queue: widen its view rather than make another event.
      last.data = new Uint8Array(payload.buffer, last.data.byteOffset, last.data.byteLength + payload.byteLength);
      return;
    }
    const e: { type: 'data'; data: Uint8Array } = { type: 'data', data: payload };
    this.event(e);
    this.openData = e;
  }

  /** Queues an event for the next drain (the queue exists only while it holds events). */
  private event(e: ConnectionEvent): void {
    (this.events ??= []).push(e);
    this.openData = null;
  }

  private flushHandshake(): void {
    const pending = this.pendingHandshake;
    if (pending === null) return;
    const flight = pending.length === 1 ? pending[0]! : concatBytes(...pending);
    this.pendingHandshake = null;
    this.writeRecord(ContentType.handshake, flight);
  }

  private writeRecord(type: number, payload: Uint8Array): void {
    if (this.writer.isProtected) this.writer.seal(type, payload);
    else this.writer.writePlain(type, payload);
  }

  private trace(direction: 'sent' | 'received', msg: HandshakeMessage, raw: Uint8Array): void {
    const on = this.traceOption;
    if (on === false || (typeof on === 'function' && !on())) return;
    this.event({ type: 'trace', direction, message: describeMessage(msg, raw.length) });
  }

  /** Runs `fn`; a TlsError becomes `fatal`, anything else becomes internal_error. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof TlsError) this.fatal(e);
      else this.fatal(new TlsError(AlertDescription.internal_error, 'InternalError', `internal error: ${(e as Error)?.message ?? String(e)}`));
    }
  }

  /** Records the sticky failure, queues our alert (encrypted once keys exist) and reports it. */
  private fatal(err: TlsError): void {
    if (this.fail) return;
    this.fail = err;
    this.pendingHandshake = null; // a half-built flight is never sent
    if (!err.fromPeer && !this.sentClose) {
      try {
        this.writeRecord(ContentType.alert, encodeAlert(AlertLevel.fatal, err.alert));
      } catch {
        // The alert is best effort: a failing write path must not hide the original error.
      }
    }
    this.event({ type: 'error', error: err });
  }

  private drain(): ConnectionEvent[] {
    if (!this.fail && this.pendingHandshake !== null) this.guard(() => this.flushHandshake());
    const out = this.events ?? [];
    this.events = null;
    this.openData = null;
    return out;
  }
}

// One event of the one-field shape ({ type }: handshakeDone, peerClosed), kept for the process
// (util/shape-keeper.ts). Such events are made once or twice per connection; the record loop and
// the socket's event switch see them (the handshake's last event and the first data often come out
// of one receive), and a full GC between connections found none alive and threw that code away
// ("weak objects": processRecord, data, handleEvents), to be recompiled during the next transfer.
// Data events are made all the time and their class was never found dead. (docs/performance.md,
// round 7.)
keepShape({ type: 'handshakeDone' } satisfies ConnectionEvent);

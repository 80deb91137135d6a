/**
 * The Duplex plumbing of a TLSSocket, between the application's stream and the transport under it:
 *
 *   write() → _write → conn.write → flush → raw.write (held back until the peer is verified)
 *   end()   → _final → close_notify → raw.end
 *   full readable buffer → pauseRaw(); _read → resumeRaw()
 *
 * and net.Socket's transport-facing members (addresses, setNoDelay, ref, bytesRead/bytesWritten),
 * read from the transport instead of a native handle. The engine pump and the event mapping live
 * in tls-socket.ts, which sets `raw`, marks the socket `verified` and adds its own _destroy steps.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { codedError, toNodeError } from './errors.js';
import { paceDeliveredBytes } from './gc-pacing.js';
import { TLSSocketInfo, u8ToBuffer } from './tls-socket-info.js';

/** How long a destroyed socket waits for its queued alert to reach the peer before closing. */
export const ALERT_FLUSH_TIMEOUT_MS = 1000;

type WriteCallback = (err?: Error | null) => void;

interface PendingWrite {
  chunks: Buffer[];
  cb: WriteCallback;
}

export abstract class TLSSocketStream extends TLSSocketInfo {
  /** The transport under us (null before connect() on a bare TLSSocket, and after destroy). */
  protected raw: Duplex | null = null;
  /** The peer passed verification: cleartext may flow (set by the handshake steps). */
  protected verified = false;
  /** We queued a fatal alert: destroying lets it reach the peer first. */
  protected alertQueued = false;
  /** _final sent close_notify: a peer vanishing now ends the conversation without an error. */
  protected closingSent = false;
  private pausedRaw = false;
  private awaitingDecision = false;
  private pendingWrites: PendingWrite[] = [];
  private pendingFinal: WriteCallback | null = null;
  /**
   * Write callbacks waiting for the transport's 'drain'; null while none. A queue is created
   * holding its first callback: `[cb]` is an array of objects from birth, where a fresh `[]`
   * changes its elements kind at the first push, which deoptimised the optimised write path once
   * per connection.
   */
  private drainWaiters: WriteCallback[] | null = null;
  /** Cleartext bytes received (bytesRead, as Node counts it for TLS sockets). */
  cleartextRead = 0;
  /** Cleartext bytes handed to the engine (bytesWritten adds what is still queued). */
  cleartextWritten = 0;

  /** Hands the engine's queued records to the transport, corked into one write where possible. */
  protected flush(): boolean {
    const conn = this.conn;
    const raw = this.raw;
    if (!conn || !raw) return true;
    const out = conn.takeOutgoing();
    if (out.length === 0) return !raw.writableNeedDrain;
    if (raw.destroyed || raw.writableEnded) return true;
    let ok = true;
    if (out.length > 1) raw.cork();
    const last = out.length - 1;
    // The last write's callback runs once the transport is done with it (also when the socket
    // was corked or busy): the moment sealed-record memory can be reused (enableOutputReuse).
    for (let i = 0; i <= last; i++) ok = raw.write(u8ToBuffer(out[i]!), i === last && this.reuseOutput ? this.onWritten : undefined);
    if (out.length > 1) raw.uncork();
    this.releaseIfWritten();
    return ok;
  }

  private readonly onWritten = (): void => this.releaseIfWritten();

  /**
   * Record memory may be reused once the kernel has every byte we gave the transport: an empty
   * write queue on a TCP/IPC socket (which copies on write). Set up by enableOutputReuse().
   */
  private reuseOutput = false;

  /** Opts the engine in to reusing sealed-record memory when the transport is a native socket. */
  protected enableOutputReuse(): void {
    const handle = (this.raw as { _handle?: { constructor?: { name?: string } } } | null)?._handle;
    const kind = handle?.constructor?.name;
    // Only libuv-backed sockets: a JS duplex (PassThrough, a WebSocket stream) may keep our chunk.
    if (this.raw instanceof net.Socket && (kind === 'TCP' || kind === 'Pipe') && this.conn) {
      this.conn.enableOutgoingReuse();
      this.reuseOutput = true;
    }
  }

  private releaseIfWritten(): void {
    if (this.reuseOutput && this.raw?.writableLength === 0) this.conn?.releaseOutgoing();
  }

  protected onRawDrain(): void {
    this.releaseIfWritten();
    const waiters = this.drainWaiters;
    if (waiters === null) return;
    this.drainWaiters = null;
    for (const cb of waiters) cb();
  }

  /** Activity restarts setTimeout()'s idle timer: net.Socket's own (internal) _unrefTimer. */
  protected refreshTimeout(): void {
    (this as unknown as { _unrefTimer?: () => void })._unrefTimer?.();
  }

  // ---- reading: backpressure toward the transport ---------------------------------------------

  /** Hands decrypted bytes to the reader; a full readable buffer pauses the transport. */
  protected pushCleartext(data: Uint8Array): void {
    this.cleartextRead += data.byteLength;
    paceDeliveredBytes(data.byteLength);
    if (!this.push(u8ToBuffer(data))) this.pauseRaw();
  }

  private pauseRaw(): void {
    if (this.raw && !this.pausedRaw) {
      this.pausedRaw = true;
      this.raw.pause();
    }
  }

  /** A ClientHello decision (SNICallback) is pending: the transport waits until it is made. */
  protected pauseRawForDecision(): void {
    this.awaitingDecision = true;
    this.pauseRaw();
  }

  protected endDecision(): void {
    this.awaitingDecision = false;
    this.resumeRaw();
  }

  /** Resumes the transport unless a ClientHello decision is pending (the engine buffers meanwhile). */
  private resumeRaw(): void {
    if (this.raw && this.pausedRaw && !this.awaitingDecision) {
      this.pausedRaw = false;
      this.raw.resume();
    }
  }

  override _read(): void {
    this.resumeRaw();
  }

  // ---- writing --------------------------------------------------------------------------------

  // net.Socket keeps strings as strings (decodeStrings: false); the engine takes bytes.
  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: WriteCallback): void {
    this.writeChunks([typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer | string; encoding: BufferEncoding }[], cb: WriteCallback): void {
    this.writeChunks(
      chunks.map((c) => (typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : c.chunk)),
      cb,
    );
  }

  private writeChunks(chunks: Buffer[], cb: WriteCallback): void {
    // Before the peer is verified, cleartext waits (it must never reach an unverified server).
    if (!this.verified) {
      this.pendingWrites.push({ chunks, cb });
      return;
    }
    const conn = this.conn;
    if (!conn) return cb(codedError('ERR_SOCKET_CLOSED', 'Socket is closed'));
    try {
      for (const c of chunks) {
        if (c.length === 0) continue;
        conn.write(c);
        this.cleartextWritten += c.length;
      }
    } catch (err) {
      return cb(toNodeError(err));
    }
    this.refreshTimeout();
    // Done when the transport took it all: either under its high-water mark, or already handed
    // to the kernel (a socket write that completed synchronously leaves nothing buffered; its
    // 'drain' would only come a tick later).
    if (this.flush() || this.raw?.writableLength === 0) cb();
    else if (this.drainWaiters === null) this.drainWaiters = [cb];
    else this.drainWaiters.push(cb);
  }

  /** Once verified: the writes (and end()) that waited for the handshake go out, in order. */
  protected flushPendingWrites(): void {
    const pending = this.pendingWrites;
    this.pendingWrites = [];
    for (const w of pending) this.writeChunks(w.chunks, w.cb);
    if (this.pendingFinal) {
      const cb = this.pendingFinal;
      this.pendingFinal = null;
      this._final(cb);
    }
  }

  /** end(): close_notify after the pending writes, then the transport's write side is ended. */
  override _final(cb: WriteCallback): void {
    if (!this.verified) {
      this.pendingFinal = cb;
      return;
    }
    const conn = this.conn;
    const raw = this.raw;
    this.closingSent = true;
    try {
      conn?.close();
    } catch {
      // already closed or failed: nothing more to send
    }
    this.flush();
    if (raw && !raw.writableEnded && !raw.destroyed) raw.end(() => cb());
    else cb();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.pendingWrites = [];
    this.pendingFinal = null;
    this.drainWaiters = null;
    const raw = this.raw;
    if (raw && !raw.destroyed) {
      if (this.alertQueued && raw.writable && !raw.writableEnded) {
        // Let the alert we queued reach the peer, then close; never wait forever for it.
        raw.end(() => raw.destroy());
        setTimeout(() => raw.destroy(), ALERT_FLUSH_TIMEOUT_MS).unref();
      } else {
        raw.destroy();
      }
    }
    (net.Socket.prototype as unknown as { _destroy(e: Error | null, c: (e: Error | null) => void): void })._destroy.call(
      this,
      err,
      cb,
    );
  }

  // ---- net.Socket members that read the transport ---------------------------------------------

  // Address/port getters of net.Socket read these two; ours come from the transport.
  _getpeername(): { address?: string; family?: string; port?: number } {
    const raw = this.raw as net.Socket | null;
    if (!raw || typeof raw.remoteAddress !== 'string') return {};
    return { address: raw.remoteAddress, family: raw.remoteFamily, port: raw.remotePort };
  }

  _getsockname(): { address?: string; family?: string; port?: number } {
    const raw = this.raw as net.Socket | null;
    if (!raw || typeof raw.address !== 'function') return {};
    const a = raw.address();
    return typeof a === 'object' ? a : {};
  }

  override setNoDelay(noDelay?: boolean): this {
    (this.raw as net.Socket | null)?.setNoDelay?.(noDelay);
    return this;
  }

  override setKeepAlive(enable?: boolean, initialDelay?: number): this {
    (this.raw as net.Socket | null)?.setKeepAlive?.(enable, initialDelay);
    return this;
  }

  override ref(): this {
    (this.raw as net.Socket | null)?.ref?.();
    return this;
  }

  override unref(): this {
    (this.raw as net.Socket | null)?.unref?.();
    return this;
  }
}

// net.Socket#bytesRead/bytesWritten read the native handle we do not have; like Node's TLS sockets,
// ours report cleartext bytes (bytesWritten includes writes still queued in the stream).
Object.defineProperty(TLSSocketStream.prototype, 'bytesRead', {
  configurable: true,
  get(this: TLSSocketStream) {
    return this.cleartextRead;
  },
});
Object.defineProperty(TLSSocketStream.prototype, 'bytesWritten', {
  configurable: true,
  get(this: TLSSocketStream) {
    let queued = 0;
    const buffered = (this as unknown as { writableBuffer?: { chunk: Buffer | string; encoding: BufferEncoding }[] }).writableBuffer ?? [];
    for (const el of buffered) {
      queued += typeof el.chunk === 'string' ? Buffer.byteLength(el.chunk, el.encoding) : el.chunk.length;
    }
    return this.cleartextWritten + queued;
  },
});

/**
 * Socket reads into one reused, process-wide buffer instead of a fresh 64 KiB Buffer per read.
 *
 * Why: a net.Socket in 'data' mode hands every read to JavaScript as a new ArrayBuffer. At bulk
 * rates that is ~1 GB/s of external memory churn, which V8 answers with back-to-back
 * mark-compact collections once the heap is past its activation size (ts-tls loaded is). Measured
 * on a plain TCP receiver with ts-tls loaded: 512 MiB cost 407 ms of CPU and 15 mark-compacts in
 * 'data' mode, 62 ms and none with a reused buffer (docs/performance.md). node:tls never sees
 * this cost because its TLSWrap reads the socket in C++.
 *
 * How: Node's public `onread: { buffer, callback }` option does exactly this, but only for sockets
 * built with it; a server's accepted sockets are built by net.Server. So the same switch is made
 * on an existing socket: the socket's own onread symbols (learned from a probe socket built with
 * the public option) plus `_handle.useUserBuffer`, the call Node makes for the option. When any
 * piece is missing (another Node version, a non-TCP duplex, a socket that already buffered data)
 * nothing is changed and the caller keeps its 'data' listener.
 *
 * One buffer serves every socket: libuv fills it and Node calls the callback synchronously for
 * each read, so a read is consumed before the next one can overwrite it. The callback must not
 * keep a view of the bytes (TlsConnection.receive(bytes, true) copies what it keeps).
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';

/**
 * Larger than Node's 64 KiB reads: under bulk load the kernel has more queued, and every read
 * costs a JS callback, a syscall and a record split across reads. Measured (bulk server, 256 MiB,
 * node:tls client): 64 KiB 1.85 ms/MB, 256 KiB 1.42, 512 KiB 1.23, 1 MiB 1.18 (avg read 396 KB).
 * One buffer per process; the cost is that one read may deliver up to this much cleartext to a
 * paused reader before the transport is paused.
 *
 * 256 KiB was tried again once the data path stopped recompiling per connection (round 6 of
 * docs/performance.md). In the shared harness, with the sending client on the same two cores,
 * it was 6 % faster (the sender's CPU per MB fell 12 %: its writes found the socket full less
 * often; the receiver's rose 3 %); in `npm run bench`'s fresh processes, where each read's
 * JavaScript is not optimised yet, 512 KiB was 5-11 % faster. The sender's saving is a loopback
 * effect of sharing the machine; for the receiver itself, larger reads cost less. 512 it stays.
 * Round 8 measured 64 KiB once more: equal in the harness's steady state, 10-13 % slower in
 * `npm run bench`'s fresh processes.
 * Round 9 measured 256 KiB a third time: 3-10 % ahead in the harness, 8 % behind cold and 15 %
 * behind warm in `npm run bench`.
 */
export const SHARED_READ_BUFFER_SIZE = 512 * 1024;

interface OnreadSymbols {
  buffer: symbol;
  callback: symbol;
}

let symbols: OnreadSymbols | null | undefined;
let shared: Buffer | undefined;

/** The symbols net.Socket stores the onread option under, or null when this Node has none. */
function onreadSymbols(): OnreadSymbols | null {
  if (symbols !== undefined) return symbols;
  symbols = null;
  try {
    const opts = { onread: { buffer: Buffer.alloc(1), callback: () => undefined } } as net.SocketConstructorOpts;
    const probe = new net.Socket(opts);
    const own = Object.getOwnPropertySymbols(probe);
    const buffer = own.find((s) => s.description === 'kBuffer');
    const callback = own.find((s) => s.description === 'kBufferCb');
    probe.destroy();
    if (buffer && callback) symbols = { buffer, callback };
  } catch {
    // no onread support: 'data' mode it is
  }
  return symbols;
}

interface UserBufferHandle {
  useUserBuffer?: (buf: Uint8Array) => void;
}

/**
 * Switches `socket` to reads into the shared buffer. Node calls `onRead` as a method of the socket
 * with the byte count and the buffer, whose first `nread` bytes are valid only during the call.
 * Returns false (and changes nothing) when the switch is not possible.
 */
export function useSharedReadBuffer(socket: net.Socket, onRead: (this: net.Socket, nread: number, buf: Buffer) => void): boolean {
  const sym = onreadSymbols();
  const handle = (socket as unknown as { _handle?: UserBufferHandle | null })._handle;
  const slots = socket as unknown as Record<symbol, unknown>;
  if (!sym || !handle || typeof handle.useUserBuffer !== 'function') return false;
  // Data already read into the stream would be skipped by a callback that only sees new reads.
  if (socket.readableLength > 0 || slots[sym.buffer] || socket.destroyed) return false;
  shared ??= Buffer.allocUnsafeSlow(SHARED_READ_BUFFER_SIZE);
  const buf = shared;
  try {
    handle.useUserBuffer(buf);
  } catch {
    return false;
  }
  slots[sym.buffer] = buf;
  // One function for every socket (a closure per socket would live as long as the connection).
  slots[sym.callback] = onRead;
  return true;
}

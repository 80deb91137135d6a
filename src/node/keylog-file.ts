/**
 * SSLKEYLOGFILE: the NSS key log convention (Wireshark, curl, Firefox, Chrome read and write it).
 * Node itself only has the 'keylog' event; ts-tls also honours the environment variable, as a
 * documented extension, for client and server sockets alike.
 *
 * The variable is read when a connection is made (so setting process.env.SSLKEYLOGFILE at run
 * time works), each path is opened once in append mode (created with mode 0600: the lines decrypt
 * the traffic), and lines are written synchronously: a line is in the file before the handshake
 * goes on, so a process that exits right after a connection, or a capture tool reading the file
 * while the session runs, never misses one. A line is ~180 bytes, at most five per handshake.
 *
 * Failure to open or write never reaches the connection: one warning on stderr per path, then
 * that path is ignored for the rest of the process.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Where key log lines go for one connection. */
export interface KeyLogSink {
  write(line: Uint8Array): void;
}

/** Open descriptors by path; null once a path has failed (warned, then ignored). */
const files = new Map<string, number | null>();

/** Process-wide cap on distinct paths opened, so a variable rewritten per connection cannot leak descriptors. */
export const MAX_KEYLOG_FILES = 16;

function warn(path: string, err: unknown): void {
  const reason = err instanceof Error ? err.message : String(err);
  // emitWarning prints once on stderr (unless --no-warnings) and never throws here.
  process.emitWarning(`SSLKEYLOGFILE ${JSON.stringify(path)} cannot be written (${reason}); TLS key logging to it is off`, {
    code: 'TS_TLS_KEYLOG_FILE',
  });
}

function fail(path: string, err: unknown): void {
  const fd = files.get(path);
  if (typeof fd === 'number') {
    try {
      closeSync(fd);
    } catch {
      // already unusable; nothing more to do
    }
  }
  files.set(path, null);
  warn(path, err);
}

function descriptor(path: string): number | null {
  const known = files.get(path);
  if (known !== undefined) return known;
  if (files.size >= MAX_KEYLOG_FILES) {
    fail(path, new Error(`more than ${MAX_KEYLOG_FILES} different key log files in one process`));
    return null;
  }
  try {
    const fd = openSync(path, 'a', 0o600);
    files.set(path, fd);
    return fd;
  } catch (err) {
    fail(path, err);
    return null;
  }
}

/**
 * The sink for SSLKEYLOGFILE as it is set now, or undefined when it is unset, empty or known to
 * be unwritable (then no key material needs to be formatted for it).
 */
export function keyLogFile(): KeyLogSink | undefined {
  const path = process.env.SSLKEYLOGFILE;
  if (!path) return undefined;
  if (descriptor(path) === null) return undefined;
  return {
    write(line: Uint8Array): void {
      const fd = descriptor(path);
      if (fd === null) return;
      try {
        let off = 0;
        while (off < line.length) off += writeSync(fd, line, off, line.length - off);
      } catch (err) {
        fail(path, err);
      }
    },
  };
}

/**
 * Option normalisation shared by connect, createServer and createSecureContext: argument shapes,
 * type checks with Node's error codes, protocol version names and ALPN lists.
 */
import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { codedError, errInvalidArgType, errOutOfRange } from './errors.js';

export const TLS1_2_VERSION = 0x0303;
export const TLS1_3_VERSION = 0x0304;

/** Longest ALPN protocol name (RFC 7301 §3.1: "opaque ProtocolName<1..2^8-1>"). */
export const MAX_ALPN_NAME_LENGTH = 255;

export type BinaryLike = string | ArrayBufferView;

export function isBinaryLike(v: unknown): v is BinaryLike {
  return typeof v === 'string' || ArrayBuffer.isView(v);
}

/** Bytes of a string/Buffer/TypedArray/DataView without copying views. */
export function toBuffer(v: BinaryLike, encoding: BufferEncoding = 'utf8'): Buffer {
  if (typeof v === 'string') return Buffer.from(v, encoding);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function toText(v: BinaryLike): string {
  return typeof v === 'string' ? v : toBuffer(v).toString('latin1');
}

export function validateObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errInvalidArgType(name, 'of type object', value);
  }
}

export function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw errInvalidArgType(name, 'of type string', value);
}

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw errInvalidArgType(name, 'of type function', value);
}

const BINARY_EXPECTED = 'of type string or an instance of Buffer, TypedArray, or DataView';

/** key/cert/ca/crl entries: a string or binary, or an array of them (Node's validateKeyOrCertOption). */
export function validateBinaryOrArray(value: unknown, name: string): BinaryLike[] {
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) if (!isBinaryLike(item)) throw errInvalidArgType(name, BINARY_EXPECTED, item);
  return list as BinaryLike[];
}

// ---- protocol versions -------------------------------------------------------------------------

const VERSION_NAMES: Record<string, number> = { 'TLSv1.2': TLS1_2_VERSION, 'TLSv1.3': TLS1_3_VERSION };
const OBSOLETE_VERSIONS = ['TLSv1', 'TLSv1.1', 'SSLv3', 'SSLv2'];

/** 'TLSv1.2' | 'TLSv1.3' → code point. Obsolete versions name RFC 8996; others are Node's error. */
export function parseVersion(value: unknown, which: 'minimum' | 'maximum', optionName: string): number {
  validateString(value, optionName);
  const v = VERSION_NAMES[value];
  if (v !== undefined) return v;
  if (OBSOLETE_VERSIONS.includes(value)) {
    throw codedError(
      'ERR_TLS_INVALID_PROTOCOL_VERSION',
      `"${value}" is not a valid ${which} TLS protocol version: ts-tls supports TLSv1.2 and TLSv1.3 only ` +
        '(RFC 8996 deprecates TLS 1.0 and TLS 1.1; SSL 3.0 is prohibited by RFC 7568)',
      TypeError,
    );
  }
  throw codedError(
    'ERR_TLS_INVALID_PROTOCOL_VERSION',
    `"${value}" is not a valid ${which} TLS protocol version`,
    TypeError,
  );
}

export function versionName(v: number | undefined): string | null {
  if (v === TLS1_3_VERSION) return 'TLSv1.3';
  if (v === TLS1_2_VERSION) return 'TLSv1.2';
  return null;
}

/** secureProtocol method names → [min, max]; the obsolete methods are refused with RFC 8996. */
const METHODS: Record<string, [number | undefined, number | undefined]> = {
  TLS_method: [undefined, undefined],
  TLS_client_method: [undefined, undefined],
  TLS_server_method: [undefined, undefined],
  SSLv23_method: [undefined, undefined],
  SSLv23_client_method: [undefined, undefined],
  SSLv23_server_method: [undefined, undefined],
  TLSv1_2_method: [TLS1_2_VERSION, TLS1_2_VERSION],
  TLSv1_2_client_method: [TLS1_2_VERSION, TLS1_2_VERSION],
  TLSv1_2_server_method: [TLS1_2_VERSION, TLS1_2_VERSION],
  TLSv1_3_method: [TLS1_3_VERSION, TLS1_3_VERSION],
  TLSv1_3_client_method: [TLS1_3_VERSION, TLS1_3_VERSION],
  TLSv1_3_server_method: [TLS1_3_VERSION, TLS1_3_VERSION],
};

export function parseSecureProtocol(value: unknown): [number | undefined, number | undefined] {
  validateString(value, 'options.secureProtocol');
  const range = METHODS[value];
  if (range) return range;
  if (/^(SSLv2|SSLv3|TLSv1|TLSv1_1)(_client|_server)?_method$/.test(value)) {
    throw codedError(
      'ERR_TLS_INVALID_PROTOCOL_METHOD',
      `${value} is not supported: ts-tls implements TLSv1.2 and TLSv1.3 only ` +
        '(RFC 8996 deprecates TLS 1.0 and TLS 1.1; RFC 7568 prohibits SSL 3.0, RFC 6176 SSL 2.0)',
      TypeError,
    );
  }
  throw codedError('ERR_TLS_INVALID_PROTOCOL_METHOD', `Unknown method: ${value}`, TypeError);
}

// ---- ALPN --------------------------------------------------------------------------------------

/**
 * ALPNProtocols → names in preference order. Accepts an array of strings/Buffers/TypedArrays or one
 * Buffer/TypedArray in wire format (length-prefixed names), as Node's convertALPNProtocols does.
 */
export function parseAlpnProtocols(value: unknown, name = 'options.ALPNProtocols'): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    return value.map((p, i) => {
      if (!isBinaryLike(p)) throw errInvalidArgType(`${name}[${i}]`, BINARY_EXPECTED, p);
      const bytes = toBuffer(p);
      if (bytes.length === 0 || bytes.length > MAX_ALPN_NAME_LENGTH) {
        throw codedError(
          'ERR_OUT_OF_RANGE',
          `The byte length of the protocol at index ${i} exceeds the maximum length. It must be <= ${MAX_ALPN_NAME_LENGTH}. Received ${bytes.length}`,
          RangeError,
        );
      }
      return bytes.toString('latin1');
    });
  }
  if (ArrayBuffer.isView(value)) return decodeAlpnWire(toBuffer(value), name);
  throw errInvalidArgType(name, 'an Array or an instance of Buffer, TypedArray, or DataView', value);
}

function decodeAlpnWire(wire: Buffer, name: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < wire.length) {
    const len = wire[i]!;
    if (len === 0 || i + 1 + len > wire.length) throw errOutOfRange(name, 'a well-formed ALPN protocol list', wire.toString('hex'));
    out.push(wire.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  return out;
}

/** Node's tls.convertALPNProtocols: writes the wire-format Buffer to out.ALPNProtocols. */
export function convertALPNProtocols(protocols: unknown, out: { ALPNProtocols?: Buffer }): void {
  const names = parseAlpnProtocols(protocols, 'protocols');
  if (!names) return;
  out.ALPNProtocols = Buffer.concat(names.map((n) => Buffer.concat([Buffer.from([n.length]), Buffer.from(n, 'latin1')])));
}

// ---- connect() argument shapes -----------------------------------------------------------------

export type ConnectCallback = () => void;

function isPortLike(v: unknown): boolean {
  return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
}

/**
 * connect(options[, cb]) | connect(port[, host][, options][, cb]) | connect(path[, options][, cb]).
 * As in Node, properties of an options object override the positional port/host/path.
 */
export function normalizeConnectArgs(args: unknown[]): [Record<string, unknown>, ConnectCallback | undefined] {
  const last = args[args.length - 1];
  const cb = typeof last === 'function' ? (last as ConnectCallback) : undefined;
  const rest = cb ? args.slice(0, -1) : args;
  const options: Record<string, unknown> = {};
  const first = rest[0];
  if (first !== null && typeof first === 'object') {
    Object.assign(options, first);
  } else if (isPortLike(first)) {
    options.port = Number(first);
    if (typeof rest[1] === 'string') options.host = rest[1];
  } else if (typeof first === 'string') {
    options.path = first;
  } else if (first !== undefined) {
    throw errInvalidArgType('options', 'of type object', first);
  }
  for (const extra of rest.slice(1)) {
    if (extra !== null && typeof extra === 'object') Object.assign(options, extra);
  }
  return [options, cb];
}

/** SNI default: the host unless it is an IP literal (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted"). */
export function defaultServername(host: unknown): string | undefined {
  if (typeof host !== 'string' || host === '' || isIP(host) !== 0) return undefined;
  return host;
}

/**
 * One-line descriptions of handshake messages for `trace` events (enableTrace / debugging): the
 * message name, its size and the fields that decide a negotiation, by IANA name.
 */
import { toHex } from '../../util/bytes.js';
import { CipherSuite, ExtensionType, nameOf, NamedGroup, SignatureScheme } from '../../wire/registry.js';
import type { HandshakeMessage } from '../../wire/types.js';
import { messageName } from './state.js';

const names = (table: Record<string, number>, xs: readonly number[] | undefined): string => (xs ?? []).map((x) => nameOf(table, x)).join(',');

/** "ClientHello (208 bytes) suites=... groups=..." */
export function describeMessage(msg: HandshakeMessage, size: number): string {
  const head = `${msg.type === 'server_hello' && msg.isHelloRetryRequest ? 'HelloRetryRequest' : messageName(msg.type)} (${size} bytes)`;
  const parts: string[] = [];
  switch (msg.type) {
    case 'client_hello': {
      const e = msg.ext;
      parts.push(`suites=${names(CipherSuite, msg.cipherSuites)}`);
      if (e.supportedVersions) parts.push(`versions=${e.supportedVersions.map((v) => v.toString(16)).join(',')}`);
      if (e.supportedGroups) parts.push(`groups=${names(NamedGroup, e.supportedGroups)}`);
      if (e.keyShares) parts.push(`key_shares=${names(NamedGroup, e.keyShares.map((k) => k.group))}`);
      if (e.serverName !== undefined) parts.push(`sni=${e.serverName}`);
      if (e.alpn) parts.push(`alpn=${e.alpn.join(',')}`);
      if (e.cookie) parts.push('cookie');
      break;
    }
    case 'server_hello': {
      const e = msg.ext;
      parts.push(`suite=${nameOf(CipherSuite, msg.cipherSuite)}`);
      if (e.supportedVersion !== undefined) parts.push(`version=${e.supportedVersion.toString(16)}`);
      if (e.keyShare) parts.push(`key_share=${nameOf(NamedGroup, e.keyShare.group)}`);
      if (e.selectedGroup !== undefined) parts.push(`selected_group=${nameOf(NamedGroup, e.selectedGroup)}`);
      break;
    }
    case 'encrypted_extensions':
    case 'certificate_request':
      parts.push(`extensions=${msg.extensions.map((x) => nameOf(ExtensionType, x.type)).join(',')}`);
      break;
    case 'certificate':
      parts.push(`certificates=${msg.entries.length}`);
      break;
    case 'certificate_verify':
      parts.push(`scheme=${nameOf(SignatureScheme, msg.scheme)}`);
      break;
    case 'finished':
      parts.push(`verify_data=${toHex(msg.verifyData.subarray(0, 8))}...`);
      break;
    case 'new_session_ticket':
      parts.push(`lifetime=${msg.lifetime}s`);
      break;
    case 'key_update':
      parts.push(msg.requestUpdate ? 'update_requested' : 'update_not_requested');
      break;
  }
  return parts.length ? `${head} ${parts.join(' ')}` : head;
}

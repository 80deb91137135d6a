/**
 * After the handshake (RFC 8446 §4.6): the only handshake messages allowed are NewSessionTicket
 * (server to client) and KeyUpdate (both ways). Post-handshake client authentication is not
 * offered (we never send post_handshake_auth), so a CertificateRequest here is unexpected.
 */
import { TlsError } from '../../util/errors.js';
import { AlertDescription } from '../../wire/registry.js';
import type { DecodedHandshake } from '../../wire/types.js';
import type { FinishedVerified } from '../common/proofs.js';
import type { HandshakeIo, HandshakeState } from '../common/state.js';
import { unexpectedMessage } from '../common/state.js';
import { exportKeyingMaterial, nextTrafficSecret, trafficKey, type ApplicationSecrets, type Tls13Suite } from './keys.js';

/** §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)." */
export const MAX_TICKET_LIFETIME_SECONDS = 604800;

export class ExpectTraffic implements HandshakeState {
  private readonly suite: Tls13Suite;
  /**
   * own application traffic secret || peer's || exporter_master_secret, hashLen bytes each. One
   * buffer because an idle connection keeps nothing else of the key schedule (not the master
   * secret, not the handshake's ApplicationSecrets), and a KeyUpdate overwrites its slot in place.
   */
  private readonly secrets: Uint8Array;

  /** The Finished proof is required: traffic keys exist only after the peer's Finished verified (or, for a client, after the server's). */
  constructor(
    readonly isServer: boolean,
    app: ApplicationSecrets,
    _finished: FinishedVerified,
  ) {
    this.suite = app.suite;
    const n = app.clientTraffic.length;
    this.secrets = new Uint8Array(3 * n);
    this.secrets.set(isServer ? app.serverTraffic : app.clientTraffic, 0);
    this.secrets.set(isServer ? app.clientTraffic : app.serverTraffic, n);
    this.secrets.set(app.exporterMaster, 2 * n);
  }

  get acceptsCompatCcs(): boolean {
    return false;
  }

  get expecting(): string {
    return this.isServer ? 'KeyUpdate' : 'NewSessionTicket or KeyUpdate';
  }

  handle(io: HandshakeIo, m: DecodedHandshake): HandshakeState {
    const msg = m.msg;
    if (msg.type === 'new_session_ticket' && !this.isServer) {
      if (msg.lifetime > MAX_TICKET_LIFETIME_SECONDS) {
        throw new TlsError(AlertDescription.illegal_parameter, 'TicketLifetimeTooLong', `NewSessionTicket lifetime ${msg.lifetime}s exceeds 7 days`);
      }
      io.emit({ type: 'sessionTicket', ticket: msg.ticket, lifetime: msg.lifetime });
      return this;
    }
    if (msg.type === 'key_update') {
      // §4.6.3: update our receiving keys; if asked, answer with our own KeyUpdate (not requesting).
      io.setReadKey(trafficKey(io.provider, this.suite, this.update(io, 1)));
      if (msg.requestUpdate === 1) this.sendKeyUpdate(io, false);
      io.emit({ type: 'keyUpdate', requested: msg.requestUpdate === 1 });
      return this;
    }
    throw unexpectedMessage(this.expecting, msg);
  }

  /** §4.6.3: send KeyUpdate under the current key, then switch our sending key. */
  sendKeyUpdate(io: HandshakeIo, requestPeer: boolean): void {
    io.send({ type: 'key_update', requestUpdate: requestPeer ? 1 : 0 });
    io.setWriteKey(trafficKey(io.provider, this.suite, this.update(io, 0)));
  }

  /** The connection is over: the traffic and exporter secrets are zeroed. */
  wipe(): void {
    this.secrets.fill(0);
  }

  /** RFC 8446 §7.5 exporter over exporter_master_secret. */
  exportKeyingMaterial(io: Pick<HandshakeIo, 'provider'>, label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    return exportKeyingMaterial(io.provider, this.suite, this.slot(2), label, context, length);
  }

  /** Secret `i` of `secrets` (0 own traffic, 1 peer traffic, 2 exporter), as a view. */
  private slot(i: number): Uint8Array {
    const n = this.secrets.length / 3;
    return this.secrets.subarray(i * n, (i + 1) * n);
  }

  /**
   * §7.2: application_traffic_secret_N+1 replaces _N in its slot (a view of it is returned). "Once
   * client_/server_application_traffic_secret_N+1 and its associated traffic keys have been
   * computed, implementations SHOULD delete client_/server_application_traffic_secret_N".
   */
  private update(io: Pick<HandshakeIo, 'provider'>, i: 0 | 1): Uint8Array {
    const s = this.slot(i);
    const next = nextTrafficSecret(io.provider, this.suite, s);
    s.set(next);
    next.fill(0);
    return s;
  }
}

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
import { exportKeyingMaterial, nextTrafficSecret, trafficKey, type ApplicationSecrets } from './keys.js';

/** §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)." */
export const MAX_TICKET_LIFETIME_SECONDS = 604800;

export class ExpectTraffic implements HandshakeState {
  readonly acceptsCompatCcs = false;
  private ownSecret: Uint8Array;
  private peerSecret: Uint8Array;

  /** The Finished proof is required: traffic keys exist only after the peer's Finished verified (or, for a client, after the server's). */
  constructor(
    readonly isServer: boolean,
    private readonly app: ApplicationSecrets,
    _finished: FinishedVerified,
  ) {
    this.ownSecret = isServer ? app.serverTraffic : app.clientTraffic;
    this.peerSecret = isServer ? app.clientTraffic : app.serverTraffic;
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
      this.peerSecret = nextTrafficSecret(io.provider, this.app.suite, this.peerSecret);
      io.setReadKey(trafficKey(io.provider, this.app.suite, this.peerSecret));
      if (msg.requestUpdate === 1) this.sendKeyUpdate(io, false);
      io.emit({ type: 'keyUpdate', requested: msg.requestUpdate === 1 });
      return this;
    }
    throw unexpectedMessage(this.expecting, msg);
  }

  /** §4.6.3: send KeyUpdate under the current key, then switch our sending key. */
  sendKeyUpdate(io: HandshakeIo, requestPeer: boolean): void {
    io.send({ type: 'key_update', requestUpdate: requestPeer ? 1 : 0 });
    this.ownSecret = nextTrafficSecret(io.provider, this.app.suite, this.ownSecret);
    io.setWriteKey(trafficKey(io.provider, this.app.suite, this.ownSecret));
  }

  /** RFC 8446 §7.5 exporter over exporter_master_secret. */
  exportKeyingMaterial(io: Pick<HandshakeIo, 'provider'>, label: string, context: Uint8Array | undefined, length: number): Uint8Array {
    return exportKeyingMaterial(io.provider, this.app.suite, this.app.exporterMaster, label, context, length);
  }
}

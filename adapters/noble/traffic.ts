/**
 * The state after the handshake (RFC 8446 section 4.6): post-handshake messages.
 * NewSessionTicket (client: kept for later resumption) and KeyUpdate (both roles:
 * switch read keys, and answer `update_requested` with our own update).
 */
import { TLSAlertError } from '../../src/errors.js';
import {
  decodeKeyUpdate,
  decodeNewSessionTicket,
  encodeKeyUpdate,
  frameHandshake,
  handshakeTypeName,
  HandshakeType,
  type HandshakeMessage,
} from './codec/handshake.js';
import { decodeMaxEarlyData, ExtensionType, findExtension } from './codec/extensions.js';
import type { HandshakeContext, HandshakeState } from './handshake-context.js';
import type { KeySchedule } from './key-schedule.js';
import type { CipherSuite } from './suites.js';

/** Application traffic: the final handshake state of both roles. */
export class TrafficState implements HandshakeState {
  readonly name = 'ExpectTraffic';
  private clientSecret: Uint8Array;
  private serverSecret: Uint8Array;

  constructor(
    private readonly role: 'client' | 'server',
    private readonly suite: CipherSuite,
    private readonly schedule: KeySchedule,
    clientSecret: Uint8Array,
    serverSecret: Uint8Array,
    /** A client's, for the PSKs of later tickets; a server sent its tickets already and keeps none. */
    private readonly resumptionMasterSecret: Uint8Array | undefined,
    private readonly serverName: string | undefined,
  ) {
    // Held for the whole connection (KeyUpdate, section 4.6.3): see compactCopy.
    this.clientSecret = compactCopy(clientSecret);
    this.serverSecret = compactCopy(serverSecret);
  }

  handle(ctx: HandshakeContext, message: HandshakeMessage): HandshakeState {
    if (message.type === HandshakeType.new_session_ticket && this.resumptionMasterSecret) {
      this.readNewSessionTicket(ctx, message, this.resumptionMasterSecret);
      return this;
    }
    if (message.type === HandshakeType.key_update) {
      this.readKeyUpdate(ctx, message);
      return this;
    }
    throw TLSAlertError.sent('unexpected_message', `${handshakeTypeName(message.type)} after the handshake`);
  }

  /** NewSessionTicket (section 4.6.1): derive its PSK and keep it as a resumable session. */
  private readNewSessionTicket(ctx: HandshakeContext, message: HandshakeMessage, resumptionMasterSecret: Uint8Array): void {
    const nst = decodeNewSessionTicket(message.body);
    const earlyData = findExtension(nst.extensions, ExtensionType.early_data);
    ctx.keepTicket({
      protocol: 'TLSv1.3',
      ticket: nst.ticket,
      psk: this.schedule.resumptionPsk(resumptionMasterSecret, nst.nonce),
      lifetimeSeconds: nst.lifetime,
      ageAdd: nst.ageAdd,
      receivedAt: ctx.now(),
      suite: this.suite,
      serverName: this.serverName,
      alpnProtocol: ctx.outcome.alpnProtocol,
      maxEarlyData: earlyData ? decodeMaxEarlyData(earlyData) : 0,
      peerCertificates: ctx.outcome.peerCertificates,
    });
  }

  /** KeyUpdate (section 4.6.3): new read keys; answer a request with our own update. */
  private readKeyUpdate(ctx: HandshakeContext, message: HandshakeMessage): void {
    const requested = decodeKeyUpdate(message.body);
    ctx.noteKeyUpdate();
    if (this.role === 'client') {
      this.serverSecret = this.schedule.nextApplicationSecret(this.serverSecret);
      ctx.setReadSecret(this.suite, this.serverSecret);
    } else {
      this.clientSecret = this.schedule.nextApplicationSecret(this.clientSecret);
      ctx.setReadSecret(this.suite, this.clientSecret);
    }
    // One queued answer covers any number of requests received before it is sent.
    if (requested && ctx.canWrite && !ctx.keyUpdateUnsent) this.sendKeyUpdate(ctx, false);
  }

  /** Sends KeyUpdate and switches our write keys. */
  sendKeyUpdate(ctx: HandshakeContext, requestPeerUpdate: boolean): void {
    ctx.send(frameHandshake(HandshakeType.key_update, encodeKeyUpdate(requestPeerUpdate)));
    ctx.keyUpdateUnsent = true;
    if (this.role === 'client') {
      this.clientSecret = this.schedule.nextApplicationSecret(this.clientSecret);
      ctx.setWriteSecret(this.suite, this.clientSecret);
    } else {
      this.serverSecret = this.schedule.nextApplicationSecret(this.serverSecret);
      ctx.setWriteSecret(this.suite, this.serverSecret);
    }
  }
}

/**
 * A copy of a secret an established connection keeps: a small typed array V8 stores inside
 * its own heap object, where a provider's output (node:crypto's Buffers) is a view of a
 * separately allocated backing store costing about 250 bytes of process memory more.
 */
export function compactCopy(secret: Uint8Array): Uint8Array {
  return secret.slice();
}

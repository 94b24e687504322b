/**
 * PSK resumption (RFC 8446 sections 2.2, 4.2.9, 4.2.11): the client's offer of a
 * session ticket (its identity, obfuscated age and binder over the truncated
 * ClientHello) and the server's selection (open the ticket, check it fits this
 * connection, verify the binder in constant time, pick psk_dhe_ke or psk_ke). A ticket
 * that does not fit is skipped, which means a full handshake; only a wrong binder on a
 * ticket that does fit is an error (decrypt_error).
 */
import { TLSAlertError } from '../../src/errors.js';
import {
  bindersListLength,
  decodeOfferedPsks,
  decodePskModes,
  encodeOfferedPsks,
  ExtensionType,
  findExtension,
  PSK_DHE_KE,
  PSK_KE,
  type Extension,
} from './codec/extensions.js';
import type { ClientHello } from './codec/handshake.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { bytesEqual } from './handshake-context.js';
import { KeySchedule } from './key-schedule.js';
import { sessionFresh, type ResumableSession } from './session.js';
import type { CipherSuite } from './suites.js';
import { openTicket, type TicketContents } from './tickets.js';
import type { TicketKeyRing } from '../../src/ticket-keys.js';
import type { Transcript } from './transcript.js';

/** A PSK key exchange mode (section 4.2.9). */
export type PskModeName = 'psk_ke' | 'psk_dhe_ke';

/** The modes offered and accepted by default: PSK with (EC)DHE only, for forward secrecy. */
export const DEFAULT_PSK_MODES: readonly PskModeName[] = ['psk_dhe_ke'];

/** How far the client's view of a ticket's age may differ from ours for 0-RTT (section 8.3): 10 s. */
export const TICKET_AGE_TOLERANCE_MS = 10_000;

/** At most this many offered tickets are opened per ClientHello (each costs an AEAD open). */
export const MAX_PSK_IDENTITIES_TRIED = 4;

/** The code point of a mode. */
export function pskModeCode(mode: PskModeName): number {
  return mode === 'psk_ke' ? PSK_KE : PSK_DHE_KE;
}

// --- client ---

/** A session a ClientHello offers, with the early secret its binder (and 0-RTT keys) come from. */
export interface PskOffer {
  readonly session: ResumableSession;
  readonly schedule: KeySchedule;
}

/** The session to offer, if it is fresh, for this server name, and of a suite we offer (or one sharing its hash). */
export function pskOfferFor(
  provider: CryptoProvider,
  session: ResumableSession | undefined,
  suites: readonly CipherSuite[],
  serverName: string | undefined,
  now: number,
): PskOffer | undefined {
  if (!session || session.protocol === 'TLSv1.2' || !sessionFresh(session, now)) return undefined;
  if (session.serverName !== serverName) return undefined;
  if (!suites.some((s) => s.hash === session.suite.hash)) return undefined;
  return { session, schedule: new KeySchedule(provider, session.suite, session.psk) };
}

/** The ClientHello pre_shared_key extension, with zero binders to be filled in by `bindClientHello`. */
export function pskExtension(offer: PskOffer, now: number): Extension {
  const s = offer.session;
  const ageMs = Math.max(0, now - s.receivedAt);
  const obfuscatedTicketAge = (ageMs + s.ageAdd) % 0x100000000;
  return {
    type: ExtensionType.pre_shared_key,
    data: encodeOfferedPsks({
      identities: [{ identity: s.ticket, obfuscatedTicketAge }],
      binders: [new Uint8Array(s.suite.hashLength)],
    }),
  };
}

/**
 * Writes the binder into a framed ClientHello whose last extension is `pskExtension`'s
 * (section 4.2.11.2): HMAC over Transcript-Hash(earlier messages + the hello truncated
 * before the binders). `transcriptHash(partial)` gives that hash.
 */
export function bindClientHello(offer: PskOffer, raw: Uint8Array, transcriptHash: (partial: Uint8Array) => Uint8Array): void {
  const length = offer.session.suite.hashLength;
  const truncated = raw.subarray(0, raw.length - bindersListLength([length]));
  const binder = binderFor(offer.schedule, transcriptHash(truncated));
  raw.set(binder, raw.length - length);
}

function binderFor(schedule: KeySchedule, truncatedHash: Uint8Array): Uint8Array {
  return schedule.finishedVerifyData(schedule.resumptionBinderKey(), truncatedHash);
}

// --- server ---

/** A ticket the server accepted. */
export interface AcceptedPsk {
  /** The index of the identity in the client's list (selected_identity). */
  readonly index: number;
  readonly contents: TicketContents;
  readonly mode: PskModeName;
  /** The key schedule with this PSK's early secret. */
  readonly schedule: KeySchedule;
  /** |client's ticket age - ours| in ms: 0-RTT needs it within TICKET_AGE_TOLERANCE_MS. */
  readonly ageSkewMs: number;
  /** The verified binder: unique to this ClientHello, the anti-replay key (section 8.2). */
  readonly binder: Uint8Array;
}

/** What the server checks an offered ticket against. */
export interface PskSelection {
  readonly provider: CryptoProvider;
  readonly ring: TicketKeyRing | undefined;
  readonly modes: readonly PskModeName[];
  readonly now: number;
  /** The suite chosen for this connection: the ticket's must share its hash. */
  readonly suite: CipherSuite;
  readonly serverName: string | undefined;
  readonly alpnProtocol: string | undefined;
  /** True when the server requires a client certificate: a ticket without one does not fit. */
  readonly requireClientCertificate: boolean;
  /** The transcript before this ClientHello (after a HelloRetryRequest), else undefined. */
  readonly transcriptBefore: Transcript | undefined;
}

/** The mode both sides allow (psk_dhe_ke first), or undefined. */
function chooseMode(hello: ClientHello, ours: readonly PskModeName[]): PskModeName | undefined {
  const body = findExtension(hello.extensions, ExtensionType.psk_key_exchange_modes);
  if (!body) return undefined;
  const offered = decodePskModes(body);
  return (['psk_dhe_ke', 'psk_ke'] as const).find((m) => ours.includes(m) && offered.includes(pskModeCode(m)));
}

/** True when a ticket may resume this connection. */
function fits(t: TicketContents, sel: PskSelection): boolean {
  const age = sel.now - t.createdAt;
  if (age < -TICKET_AGE_TOLERANCE_MS || age >= t.lifetimeSeconds * 1000) return false;
  if (t.suite.hash !== sel.suite.hash) return false;
  if (t.serverName !== sel.serverName || t.alpnProtocol !== sel.alpnProtocol) return false;
  if (sel.requireClientCertificate && t.peerCertificates.length === 0) return false;
  return true;
}

/**
 * The first offered ticket that opens and fits, with its binder verified; undefined
 * (a full handshake) when none does. A wrong binder is decrypt_error; binders and
 * identities in different numbers are illegal_parameter (section 4.2.11).
 */
export function acceptPsk(sel: PskSelection, hello: ClientHello, raw: Uint8Array): AcceptedPsk | undefined {
  const body = findExtension(hello.extensions, ExtensionType.pre_shared_key);
  if (!body) return undefined;
  const offered = decodeOfferedPsks(body);
  if (offered.identities.length !== offered.binders.length) {
    throw TLSAlertError.sent('illegal_parameter', 'pre_shared_key has a different number of identities and binders');
  }
  const mode = chooseMode(hello, sel.modes);
  if (!mode || !sel.ring) return undefined;
  const tried = Math.min(offered.identities.length, MAX_PSK_IDENTITIES_TRIED);
  for (let index = 0; index < tried; index++) {
    const identity = offered.identities[index]!;
    const contents = openTicket(sel.provider, sel.ring, identity.identity, sel.now);
    if (!contents || !fits(contents, sel)) continue;
    const binder = offered.binders[index]!;
    const schedule = new KeySchedule(sel.provider, sel.suite, contents.psk);
    const truncated = raw.subarray(0, raw.length - bindersListLength(offered.binders.map((b) => b.length)));
    const hash = sel.transcriptBefore ? sel.transcriptBefore.hashWith(truncated) : sel.provider.hash(sel.suite.hash).digest(truncated);
    if (binder.length !== sel.suite.hashLength || !bytesEqual(binder, binderFor(schedule, hash))) {
      throw TLSAlertError.sent('decrypt_error', 'PSK binder does not verify');
    }
    const clientAge = (identity.obfuscatedTicketAge - contents.ageAdd + 0x100000000) % 0x100000000;
    const ageSkewMs = Math.abs(clientAge - (sel.now - contents.createdAt));
    return { index, contents, mode, schedule, ageSkewMs, binder };
  }
  return undefined;
}

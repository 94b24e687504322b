/**
 * The AEAD floor of a bulk transfer: a provider's seal + open of full TLS 1.3 records
 * (16 KiB of data and the inner content type, a fresh nonce per record), in process CPU
 * ms per MB of data. bench/bulk-throughput.ts measures it in the sending process right
 * before and after each noble transfer, so the transfer's CPU is set against the
 * primitive's at the same moment and on the same clock (on this shared machine the CPU
 * per instruction moves with the load by up to 2-3x within minutes).
 */
import type { AeadName, CryptoProvider } from '../src/crypto/provider.js';
import { concatBytes } from '../src/raw-connection.js';

/** A full record's inner plaintext: 2^14 bytes of data and the content type byte (RFC 8446 section 5.2). */
const INNER_BYTES = 16385;
/** The record header, the AAD of every record (RFC 8446 section 5.2): application_data, 0x0303, the length. */
const HEADER = Uint8Array.of(23, 3, 3, 0x40, 0x11);

/** Seal and open CPU ms per MB of data, each, over about `megabytes` of full records. */
export interface AeadCpu {
  readonly sealMsPerMB: number;
  readonly openMsPerMB: number;
}

/** Records sealed and opened untimed first, so the JIT has optimized the AEAD before the clock runs. */
const WARM_UP_RECORDS = 64;

/** Seals and opens about `megabytes` of full records with one key of `aead` on `provider` (after a warm-up). */
export function measureAeadCpu(provider: CryptoProvider, aead: AeadName, megabytes: number): AeadCpu {
  const key = provider.aead(aead, provider.random(aead === 'AES-128-GCM' ? 16 : 32));
  const inner = provider.random(INNER_BYTES);
  const records = Math.max(1, Math.ceil((megabytes * 1e6) / (INNER_BYTES - 1)));
  const nonce = new Uint8Array(12);
  const nonceView = new DataView(nonce.buffer);
  const out: Uint8Array[] = [];
  let sealMicros = 0;
  let openMicros = 0;
  for (let i = -WARM_UP_RECORDS; i < records; i++) {
    if (i === 0) sealMicros = openMicros = 0;
    nonceView.setUint32(8, i + WARM_UP_RECORDS);
    let at = process.cpuUsage();
    key.sealFramed(nonce, HEADER, [inner], out);
    let used = process.cpuUsage(at);
    sealMicros += used.user + used.system;
    const sealed = concatBytes(out.splice(0));
    at = process.cpuUsage();
    const opened = key.open(nonce, sealed.subarray(HEADER.length), HEADER);
    used = process.cpuUsage(at);
    openMicros += used.user + used.system;
    if (opened === null) throw new Error(`${aead}: a record did not open`);
  }
  const mb = (records * (INNER_BYTES - 1)) / 1e6;
  return { sealMsPerMB: sealMicros / 1000 / mb, openMsPerMB: openMicros / 1000 / mb };
}

/**
 * `PlaintextService`: a TLSService that encrypts nothing. Bytes pass straight through
 * to the raw connection; the baseline for benchmarks and for the contract suite.
 * Without TLS there is no close_notify: the transport's end is the end of the stream
 * (the empty read), so a truncation cannot be told from a clean close here.
 */
import { ConnectionClosedError } from '../../src/errors.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import type { ByteSource, RawConnection } from '../../src/raw-connection.js';
import type { NegotiatedParameters, TLSService } from '../../src/tls-service.js';

/** A TLSService without TLS: negotiation is instant and bytes pass through unchanged. */
export class PlaintextService implements TLSService {
  readonly backend = 'plaintext';
  private raw: RawConnection | undefined;
  private parameters: NegotiatedParameters | undefined;
  private closed = false;
  private writeShut = false;

  negotiateAsClient(via: RawConnection, options: ClientConfiguration = {}): Promise<void> {
    return this.adopt(via, options.servername);
  }

  negotiateAsServer(via: RawConnection, _options: ServerConfiguration = {}): Promise<void> {
    return this.adopt(via, undefined);
  }

  get negotiated(): NegotiatedParameters {
    if (!this.parameters) throw new ConnectionClosedError('plaintext: not negotiated yet');
    return this.parameters;
  }

  sendBytes(data: Uint8Array): Promise<void>;
  sendBytes(iovec: readonly Uint8Array[]): Promise<void>;
  sendBytes(data: ByteSource): Promise<void>;
  async sendBytes(data: ByteSource): Promise<void> {
    const raw = this.connection('sendBytes');
    if (this.writeShut) throw new ConnectionClosedError('plaintext: sendBytes after shutdownWrite');
    return raw.sendBytes(data);
  }

  async receiveBytes(count: number): Promise<Uint8Array> {
    return this.connection('receiveBytes').receiveBytes(count);
  }

  /** Ends our write side of the transport (FIN); receiving goes on. */
  async shutdownWrite(): Promise<void> {
    const raw = this.connection('shutdownWrite');
    this.writeShut = true;
    await raw.shutdownWrite();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.raw?.close();
  }

  willDeinitConnection(): void {
    this.closed = true;
    this.raw?.destroy?.();
  }

  private adopt(via: RawConnection, servername: string | undefined): Promise<void> {
    if (this.raw) return Promise.reject(new ConnectionClosedError('plaintext: a service negotiates once'));
    this.raw = via;
    this.parameters = {
      backend: this.backend,
      protocol: 'none',
      cipherSuite: undefined,
      group: undefined,
      alpnProtocol: undefined,
      servername,
      peerCertificates: [],
      resumed: false,
    };
    return Promise.resolve();
  }

  private connection(operation: string): RawConnection {
    if (this.closed) throw new ConnectionClosedError(`plaintext: ${operation} after close`);
    if (!this.raw) throw new ConnectionClosedError(`plaintext: ${operation} before negotiation`);
    return this.raw;
  }
}

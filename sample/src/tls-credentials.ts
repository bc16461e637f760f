import { readFileSync } from 'node:fs';
import { generate } from 'selfsigned';

/** A TLS key and certificate in PEM. */
export interface TlsCredentials {
  key: string;
  cert: string;
}

/**
 * `HTTP2=1`'s certificate: the files TLS_CERT and TLS_KEY name, or a self-signed one for
 * localhost made now (browsers then need to be told to trust it; see docs/http2.md).
 */
export async function tlsCredentials(env: NodeJS.ProcessEnv = process.env): Promise<TlsCredentials> {
  const { TLS_CERT: certFile, TLS_KEY: keyFile } = env;
  if (certFile && keyFile) return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  if (certFile || keyFile) throw new Error('TLS_CERT and TLS_KEY go together: set both, or neither for a self-signed certificate');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}

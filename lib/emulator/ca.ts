import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** PEM certificate and PKCS#8 key. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface EmulatorTls {
  ca: PemPair;
  server: PemPair;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey), "PRIVATE KEY");
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return (await webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"])) as unknown as CryptoKey;
}

/** A throw-away certificate authority, made once per emulator (or once per test run and shared). */
export async function createCa(): Promise<PemPair> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=easyauth-fleet emulator CA",
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    keys: keys as unknown as CryptoKeyPair,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportKeyPem(keys.privateKey as unknown as CryptoKey) };
}

/**
 * The names the server certificate covers: the loopback names every client uses, and the App Service host names of
 * the data plane (lib/emulator/sites/), so `curl --connect-to {app}.azurewebsites.net:443:127.0.0.1:PORT` and a
 * client that resolves `{app}.azurewebsites.net` to the emulator verify the certificate as they would Azure's.
 * A wildcard covers one label: `func-x-staging.azurewebsites.net` is in `*.azurewebsites.net`, the Kudu (SCM)
 * hosts need their own.
 */
export const SERVER_CERT_HOSTS = ["localhost", "127.0.0.1", "::1", "*.azurewebsites.net", "*.scm.azurewebsites.net"];

/** A server certificate for `hosts` (by default SERVER_CERT_HOSTS) signed by `ca`. */
export async function createServerCert(ca: PemPair, hosts: string[] = SERVER_CERT_HOSTS): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKeyPem(ca.keyPem);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Date.now().toString(16),
    subject: "CN=localhost",
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingKey: caKey,
    publicKey: keys.publicKey as unknown as CryptoKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) =>
          /^[\d.:]+$/.test(h) ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h },
        ),
      ),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportKeyPem(keys.privateKey as unknown as CryptoKey) };
}

export async function createTls(ca?: PemPair): Promise<EmulatorTls> {
  const authority = ca ?? (await createCa());
  return { ca: authority, server: await createServerCert(authority) };
}

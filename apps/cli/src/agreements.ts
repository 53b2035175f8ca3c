import { createHash } from 'node:crypto';
import { FlattenedSign, flattenedVerify, importJWK, type JWK } from 'jose';
import { createRegistryClient, ok } from '#plaza/client/node';

/**
 * Data-sharing agreements from the outside: signing a document as a party, and re-verifying every signature of
 * an agreement from public data alone (the document bytes and the signing keys' public history). Nothing here
 * shares code with the registry: it reads the public API through libs/client and verifies with jose.
 */

const ALGORITHMS = ['EdDSA', 'ES256'];

/**
 * A party's signature over the exact document bytes: a detached JWS in compact form, `<protected>..<signature>`.
 * The payload is the bytes, base64url-encoded as usual (no b64 header), left out of the JWS; the protected
 * header is {"alg", "kid"}.
 */
export async function signDocument(privateJwk: JWK, bytes: Uint8Array): Promise<string> {
  const alg = privateJwk.alg ?? (privateJwk.kty === 'OKP' ? 'EdDSA' : 'ES256');
  if (!privateJwk.kid) throw new Error('the private JWK has no kid (plaza keys generate sets it to the RFC 7638 thumbprint)');
  const key = await importJWK(privateJwk, alg);
  const jws = await new FlattenedSign(bytes).setProtectedHeader({ alg, kid: privateJwk.kid }).sign(key);
  return `${jws.protected}..${jws.signature}`;
}

interface PublicSignature {
  organisation: string;
  kid: string;
  signedAt: string;
  jws: string;
  /** Given with an API key the operator stands behind (absent or null: not recorded). */
  signedViaOperator?: boolean | null;
}

interface PublicVersion {
  number: number;
  status: string;
  city: { slug: string };
  vendors: { slug: string }[];
  documentDigest: string | null;
  documentUrl: string | null;
  signatures: PublicSignature[];
}

interface PublicKey {
  kid: string;
  organisation: string;
  jwk: JWK;
  alg: string;
  validFrom: string;
  expiresAt: string | null;
  revokedAt: string | null;
  /** Registered with an API key the operator stands behind (absent or null: not recorded). */
  registeredViaOperator?: boolean | null;
}

export interface SignatureCheck {
  version: number;
  organisation: string;
  kid: string;
  ok: boolean;
  problem?: string;
  /**
   * Why the registry operator, not the party, may stand behind this signature: it was given, or its key registered, with
   * an API key the operator holds or issued. A signature can verify and still carry these.
   */
  operatorMarks: string[];
}

export interface VerificationReport {
  agreement: string;
  ok: boolean;
  checks: SignatureCheck[];
  problems: string[];
}

type Fetch = (url: string) => Promise<Response>;

/**
 * Downloads an agreement's public versions, the exact bytes of each document and the history of each signing
 * key, and verifies every detached JWS itself, judging the key's validity at the signature's recorded time.
 * Every party named in a version's document must have a signature that verifies. It reads through libs/client's
 * typed client; a refusal is the library's RegistryProblem.
 */
export async function verifyAgreement(registry: string, agreementId: string, fetchImpl: Fetch = (url) => fetch(url)): Promise<VerificationReport> {
  const client = createRegistryClient({ baseUrl: registry, fetch: (request) => fetchImpl(request.url) });
  // The answers are read as this file's own shapes: what it verifies, whatever else the document's types say.
  const agreement = (await ok(client.GET('/api/v1/agreements/{id}', { params: { path: { id: agreementId } } }))) as unknown as { id: string; versions: PublicVersion[] };
  const checks: SignatureCheck[] = [];
  const problems: string[] = [];
  const keys = new Map<string, PublicKey>();
  for (const version of agreement.versions) {
    if (!version.documentUrl) {
      problems.push(`version ${version.number}: no document`);
      continue;
    }
    const served = client.GET('/api/v1/agreements/{id}/versions/{n}/document', { params: { path: { id: agreement.id, n: version.number } }, parseAs: 'arrayBuffer' });
    const bytes = new Uint8Array(await ok(served));
    if (createHash('sha256').update(bytes).digest('base64url') !== version.documentDigest) problems.push(`version ${version.number}: the document bytes do not match their digest`);
    let document: { agreement?: unknown; version?: unknown; city?: { slug?: unknown }; vendors?: { slug?: unknown }[] };
    try {
      document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      problems.push(`version ${version.number}: the document is not UTF-8 JSON`);
      continue;
    }
    if (document.agreement !== agreement.id || document.version !== version.number) problems.push(`version ${version.number}: the document names another agreement or version`);
    for (const signature of version.signatures) {
      let key = keys.get(signature.kid);
      if (!key) {
        key = (await ok(client.GET('/api/v1/signing-keys/{kid}', { params: { path: { kid: signature.kid } } }))) as unknown as PublicKey;
        keys.set(signature.kid, key);
      }
      const problem = await checkSignature(signature, key, bytes);
      checks.push({
        version: version.number, organisation: signature.organisation, kid: signature.kid, ok: problem === null, ...(problem ? { problem } : {}), operatorMarks: operatorMarks(signature, key),
      });
    }
    const parties = [document.city?.slug, ...(document.vendors ?? []).map((v) => v.slug)].filter((s): s is string => typeof s === 'string');
    for (const party of parties) {
      if (!checks.some((c) => c.version === version.number && c.organisation === party && c.ok)) problems.push(`version ${version.number}: no valid signature by ${party}`);
    }
  }
  if (agreement.versions.length === 0) problems.push('the agreement has no public version');
  return { agreement: agreement.id, ok: problems.length === 0 && checks.every((c) => c.ok), checks, problems };
}

function operatorMarks(signature: PublicSignature, key: PublicKey): string[] {
  const marks: string[] = [];
  if (signature.signedViaOperator === true) marks.push(`given with an API key the registry operator holds or issued, not one ${signature.organisation} issued itself`);
  if (key.registeredViaOperator === true) marks.push(`key ${key.kid} was registered with an API key the registry operator holds or issued: the operator may hold its private half`);
  return marks;
}

async function checkSignature(signature: PublicSignature, key: PublicKey, bytes: Uint8Array): Promise<string | null> {
  if (key.kid !== signature.kid) return 'the key history names another kid';
  if (key.organisation !== signature.organisation) return `key ${key.kid} belongs to ${key.organisation}, not ${signature.organisation}`;
  const at = Date.parse(signature.signedAt);
  if (Number.isNaN(at)) return 'no recorded signing time';
  if (Date.parse(key.validFrom) > at) return 'the key was not valid yet when the registry received the signature';
  if (key.expiresAt && Date.parse(key.expiresAt) <= at) return 'the key had expired when the registry received the signature';
  if (key.revokedAt && Date.parse(key.revokedAt) <= at) return 'the key was revoked when the registry received the signature';
  const match = /^([A-Za-z0-9_-]+)\.\.([A-Za-z0-9_-]+)$/.exec(signature.jws);
  if (!match) return 'not a detached compact JWS';
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'the protected header is not JSON';
  }
  if ('b64' in header || 'crit' in header) return 'the protected header uses b64 or crit, which this format does not';
  if (header.kid !== key.kid) return 'the protected header names another kid';
  if (header.alg !== key.alg || !ALGORITHMS.includes(key.alg)) return `the algorithm must be the key's (${key.alg})`;
  try {
    const publicKey = await importJWK({ ...key.jwk, alg: key.alg }, key.alg);
    await flattenedVerify({ protected: match[1]!, payload: Buffer.from(bytes).toString('base64url'), signature: match[2]! }, publicKey, { algorithms: [key.alg] });
    return null;
  } catch {
    return 'the signature does not verify over the document bytes';
  }
}

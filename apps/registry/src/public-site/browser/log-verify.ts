/**
 * The transparency log page's check, run by the reader's own browser: it trusts nothing the page says. It fetches the
 * signed checkpoint and the registry's public key, verifies the Ed25519 signature with WebCrypto, then fetches the
 * chosen entry and its inclusion proof, hashes the entry itself and walks the proof up to the signed root
 * (libs/merkle with WebCrypto SHA-256). It remembers the last checkpoint it verified (localStorage), with the key that
 * signed it, and proves the next one consistent with it: a registry that rewrites its history and signs it again,
 * even with a new key, is caught by every browser that checked it before. Its sentences come from the page (data-*
 * attributes), in the page's language.
 */
import { TreeHasher, verifyConsistency, verifyInclusion } from '#plaza/merkle';

const base64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const base64url = (text: string) => base64(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
const utf8 = new TextDecoder();

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return (await response.json()) as T;
}

interface Checkpoint {
  size: number;
  root: Uint8Array;
  /** The Ed25519 public key (JWK `x`) that signed it. */
  key: string;
}

const REMEMBERED = 'plaza.log.checkpoint';
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** The checkpoint this browser verified last time on this registry, if any. */
function remembered(): Checkpoint | null {
  try {
    const saved = JSON.parse(localStorage.getItem(REMEMBERED) ?? 'null') as { size: number; root: string; key: string } | null;
    return saved && Number.isSafeInteger(saved.size) ? { size: saved.size, root: base64(saved.root), key: saved.key } : null;
  } catch {
    return null;
  }
}

/** Whether `current` extends `previous`: same key, and the registry's consistency proof walks from one root to the other. */
async function consistentWith(previous: Checkpoint, current: Checkpoint): Promise<boolean> {
  if (previous.key !== current.key || current.size < previous.size) return false;
  if (current.size === previous.size) return toBase64(current.root) === toBase64(previous.root);
  const hasher = new TreeHasher();
  const { proof } = await getJson<{ proof: string[] }>(`/api/v1/log/proof/consistency?first=${previous.size}&second=${current.size}`);
  return verifyConsistency(hasher, previous.size, current.size, previous.root, current.root, proof.map(base64));
}

/** The checkpoint, if its JWS verifies with a key of the registry's JWKS and its payload is exactly its body; null if not. */
async function verifiedCheckpoint(): Promise<Checkpoint | null> {
  const [checkpoint, jwks] = await Promise.all([
    getJson<{ body: string; jws: string }>('/api/v1/log/checkpoint'),
    getJson<{ keys: { kty: string; crv: string; x: string; kid?: string }[] }>('/.well-known/jwks.json'),
  ]);
  const [protectedHeader = '', payload = '', signature = ''] = checkpoint.jws.split('.');
  const header = JSON.parse(utf8.decode(base64url(protectedHeader))) as { alg?: string; kid?: string };
  if (header.alg !== 'EdDSA') return null;
  const jwk = jwks.keys.find((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && (header.kid === undefined || k.kid === header.kid));
  if (!jwk) return null;
  const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
  const signed = new TextEncoder().encode(`${protectedHeader}.${payload}`);
  if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, base64url(signature), signed))) return null;
  // The signature covers the payload: the body shown must be exactly that payload.
  if (utf8.decode(base64url(payload)) !== checkpoint.body) return null;
  const [, size = '', root = ''] = checkpoint.body.split('\n');
  return { size: Number(size), root: base64(root), key: jwk.x };
}

/** Whether entry `index` is provably leaf `index` of the signed tree: its bytes hashed here, its path walked here. */
async function entryIncluded(index: number, checkpoint: Checkpoint): Promise<boolean> {
  if (!Number.isSafeInteger(index) || index < 0 || index >= checkpoint.size) return false;
  const hasher = new TreeHasher();
  const { entries } = await getJson<{ entries: { index: number; entry: string }[] }>(`/api/v1/log/entries?start=${index}&end=${index + 1}`);
  const bytes = base64(entries[0]?.entry ?? '');
  // An entry names its own position: one served in another's place does not pass.
  if ((JSON.parse(utf8.decode(bytes)) as { index?: unknown }).index !== index) return false;
  const proof = await getJson<{ proof: string[] }>(`/api/v1/log/proof/inclusion?index=${index}&size=${checkpoint.size}`);
  return verifyInclusion(hasher, await hasher.leaf(bytes), index, checkpoint.size, proof.proof.map(base64), checkpoint.root);
}

function line(list: HTMLElement, ok: boolean, text: string): void {
  const item = document.createElement('li');
  item.className = ok ? 'ok' : 'bad';
  item.textContent = `${ok ? '✔' : '✘'} ${text}`;
  list.append(item);
}

function start(): void {
  const form = document.getElementById('verify-form') as HTMLFormElement | null;
  const result = document.getElementById('verify-result');
  const input = document.getElementById('verify-index') as HTMLInputElement | null;
  if (!form || !result || !input) return;
  const say = (name: string) => result.dataset[name] ?? '';
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'verify-button';
  button.textContent = say('button');
  form.append(' ', button);
  button.addEventListener('click', async () => {
    const index = Number(input.value);
    result.replaceChildren();
    result.dataset.outcome = 'running';
    const status = document.createElement('p');
    status.textContent = say('running');
    const steps = document.createElement('ul');
    result.append(status, steps);
    try {
      const checkpoint = await verifiedCheckpoint();
      line(steps, checkpoint !== null, say(checkpoint ? 'signatureOk' : 'signatureBad'));
      const included = checkpoint !== null && (await entryIncluded(index, checkpoint));
      let consistent = false;
      if (checkpoint) {
        const text = (included ? say('inclusionOk') : say('inclusionBad')).replace('{index}', String(index)).replace('{size}', String(checkpoint.size));
        line(steps, included, text);
        const previous = remembered();
        consistent = previous === null || (await consistentWith(previous, checkpoint));
        if (previous === null) line(steps, true, say('consistencyFirst'));
        else line(steps, consistent, say(consistent ? 'consistencyOk' : 'consistencyBad').replace('{previous}', String(previous.size)));
        // Only a checkpoint proven to extend the remembered one replaces it: a rewritten log keeps failing.
        if (consistent) localStorage.setItem(REMEMBERED, JSON.stringify({ size: checkpoint.size, root: toBase64(checkpoint.root), key: checkpoint.key }));
      }
      const verified = included && consistent;
      result.dataset.outcome = verified ? 'verified' : 'failed';
      status.textContent = verified ? say('done') : say('failed');
    } catch {
      result.dataset.outcome = 'failed';
      status.textContent = `${say('failed')} ${say('error')}`;
    }
    status.className = result.dataset.outcome === 'verified' ? 'ok' : 'bad';
  });
}

start();

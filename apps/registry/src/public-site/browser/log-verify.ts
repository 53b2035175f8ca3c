/**
 * The transparency log page's check, run by the reader's own browser: it trusts nothing the page says. It reads the
 * log as C2SP tools do: the checkpoint as a signed note (/log/checkpoint), whose Ed25519 signature by the log's key it
 * verifies with WebCrypto, and the tiles (/log/tile/...), through libs/merkle's TileClient (the CLI's tile code): the
 * partial tiles must give the signed root, the chosen entry is read from its bundle and checked up through its tiles
 * to that root. It remembers the last checkpoint it verified (localStorage), with the log key that signed it, and
 * proves the next one consistent with it through the tiles; a new log key is accepted only through the rotation
 * statements of /log/keys, each signed by the key before it and the key it names, as `plaza log verify` does: a
 * registry that rewrites its history, or signs with a key its old one never named, is caught by every browser that
 * checked it before. Each key of the chain is accepted only for the tree sizes it was in force, so the checkpoint the
 * witnesses vouched for before a rotation still verifies by the retired key. When the registry discloses the state the
 * entry recorded (the record now, or a past state that was public when written), it recomputes SHA-256(salt || RFC 8785
 * state) and compares it with the entry's digest, as `plaza log check` does. Its sentences come from the page (data-*
 * attributes), in the page's language.
 */
import canonicalize from 'canonicalize';
import { TileClient, TreeHasher } from '#plaza/merkle';

const base64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64Url = (text: string) => base64(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
const toBase64Url = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const utf8 = new TextDecoder();
const encode = (text: string) => new TextEncoder().encode(text);
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

class Refused extends Error {}

async function get(url: string): Promise<Response> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response;
}

/** A signed-note verifier key `name+hex8(keyId)+b64(0x01 || key)`, whose key id is checked against its key. */
interface LogKey {
  vkey: string;
  name: string;
  keyId: number;
  key: CryptoKey;
}

async function readKey(vkey: string): Promise<LogKey> {
  const [name = '', id = '', ...rest] = vkey.split('+');
  const typed = base64(rest.join('+'));
  if (!/^[0-9a-f]{8}$/.test(id) || typed.length !== 33 || typed[0] !== 0x01) throw new Refused(`not an Ed25519 verifier key: ${vkey}`);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...encode(`${name}\n`), ...typed])));
  const keyId = new DataView(hash.buffer).getUint32(0);
  if (keyId !== Number.parseInt(id, 16)) throw new Refused(`the key id of ${vkey} is not its key's`);
  return { vkey, name, keyId, key: await crypto.subtle.importKey('raw', typed.subarray(1), { name: 'Ed25519' }, false, ['verify']) };
}

/** A signed note's text, and which of `keys` signed it, if every line signed by one of them verifies; else Refused. */
async function openNote(note: string, keys: LogKey[]): Promise<{ text: string; signed: Set<LogKey> }> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Refused('not a signed note');
  const text = note.slice(0, split + 1);
  const signed = new Set<LogKey>();
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const [dash, name, signature = '', ...more] = line.split(' ');
    const bytes = base64(signature);
    if (dash !== '\u2014' || more.length > 0 || bytes.length < 5) throw new Refused('not a signed note');
    const id = new DataView(bytes.buffer).getUint32(0);
    const key = keys.find((k) => k.name === name && k.keyId === id);
    if (!key) continue;
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key.key, bytes.subarray(4), encode(text)))) throw new Refused(`a signature by ${name} does not verify`);
    signed.add(key);
  }
  return { text, signed };
}

/** A log key of the followed chain and the tree sizes it signs: from the rotation naming it to the one retiring it (which it signed too). */
interface KeyInForce {
  key: LogKey;
  from: number;
  until?: number;
}

/**
 * The keys to accept checkpoints from, each for the sizes it was in force: the one this browser trusted last time,
 * carried forward through each rotation statement from it on (signed by both keys, naming the key reached as the old
 * one, never going back in size); with none remembered, the registry's /log/key (trusted on first use, as the CLI
 * does). A retired key still signs the checkpoints up to its rotation: the witnesses may not have cosigned a later one.
 */
async function logKeys(trusted: string | undefined): Promise<KeyInForce[]> {
  if (trusted === undefined) return [{ key: await readKey((await (await get('/log/key')).text()).trim()), from: 0 }];
  const listed = (await (await get('/log/keys')).json()) as { keys: { rotation?: string }[] };
  const chain: KeyInForce[] = [{ key: await readKey(trusted), from: 0 }];
  let following = false;
  for (const { rotation } of listed.keys) {
    if (rotation === undefined) continue;
    const [origin, label, oldLine = '', newLine = '', sizeLine = '', end] = rotation.slice(0, rotation.lastIndexOf('\n\n') + 1).split('\n');
    const size = sizeLine.slice('size '.length);
    if (label !== 'key rotation' || end !== '' || !oldLine.startsWith('old ') || !newLine.startsWith('new ') || !sizeLine.startsWith('size ') || !DECIMAL.test(size)) {
      throw new Refused('a key rotation is malformed');
    }
    const oldKey = oldLine.slice(4);
    const reached = chain.at(-1)!;
    following ||= oldKey === reached.key.vkey;
    if (!following) continue;
    if (oldKey !== reached.key.vkey || origin !== reached.key.name || Number(size) < reached.from) throw new Refused('the log key rotations do not chain from the trusted key');
    const next = await readKey(newLine.slice(4));
    if (next.name !== origin) throw new Refused('a rotated key is named by another origin');
    if ((await openNote(rotation, [reached.key, next])).signed.size !== 2) throw new Refused('a key rotation is not signed by both its keys');
    reached.until = Number(size);
    chain.push({ key: next, from: Number(size) });
  }
  return chain;
}

interface Checkpoint {
  size: number;
  root: Uint8Array;
  /** The log's verifier key that signed it. */
  vkey: string;
}

const REMEMBERED = 'plaza.log.checkpoint';

/** The checkpoint this browser verified last time on this registry, if any (one saved before log keys names none). */
function remembered(): { size: number; root: Uint8Array; vkey?: string } | null {
  try {
    const saved = JSON.parse(localStorage.getItem(REMEMBERED) ?? 'null') as { size: number; root: string; vkey?: unknown } | null;
    if (!saved || !Number.isSafeInteger(saved.size)) return null;
    return { size: saved.size, root: base64(saved.root), ...(typeof saved.vkey === 'string' ? { vkey: saved.vkey } : {}) };
  } catch {
    return null;
  }
}

/**
 * The signed note the log publishes (/log/checkpoint: with witnesses, the latest one they vouched for), if a key of the
 * chain signed it while in force for its size (the latest such key is the one remembered); null if not.
 */
async function verifiedCheckpoint(trusted: string | undefined): Promise<Checkpoint | null> {
  try {
    const chain = await logKeys(trusted);
    const { text, signed } = await openNote(await (await get('/log/checkpoint')).text(), chain.map((k) => k.key));
    const [origin, size = '', root = ''] = text.split('\n');
    if (origin !== chain[0]!.key.name || !DECIMAL.test(size)) return null;
    const n = Number(size);
    const inForce = chain.filter((k) => signed.has(k.key) && k.from <= n && (k.until === undefined || n <= k.until)).at(-1);
    return inForce ? { size: n, root: base64(root), vkey: inForce.key.vkey } : null;
  } catch (error) {
    if (error instanceof Refused) return null;
    throw error;
  }
}

const hasher = new TreeHasher();
/** The tiles under /log, as TileClient asks for them: undefined when the log does not serve one. */
const tiles = new TileClient(hasher, async (path) => {
  const response = await fetch(`/log/${path}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`/log/${path}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
});

/** Entry `index`'s bytes when the tiles hold it under the signed root and it names its own position, else null. */
async function includedEntry(index: number, checkpoint: Checkpoint): Promise<Uint8Array | null> {
  if (!Number.isSafeInteger(index) || index < 0 || index >= checkpoint.size) return null;
  try {
    const bytes = await tiles.entry(checkpoint, index);
    // An entry names its own position: one served in another's place does not pass.
    return (JSON.parse(utf8.decode(bytes)) as { index?: unknown }).index === index ? bytes : null;
  } catch {
    return null;
  }
}

/** The registry's answers that say it discloses no state for an entry; any other refusal is a failed check. */
const UNDISCLOSED = new Set(['log.record_not_disclosed', 'log.record_superseded', 'log.state_withheld']);

/**
 * Whether the state the registry discloses for the entry (GET /api/v1/log/record) is the one its digest commits to:
 * SHA-256(salt || RFC 8785 state). Null when the registry says it discloses none (not public when written, withheld,
 * not kept); an error answer throws, so the check fails rather than passing without the state.
 */
async function stateMatches(index: number, entry: Uint8Array): Promise<boolean | null> {
  const response = await fetch(`/api/v1/log/record?index=${index}`, { cache: 'no-store' });
  if (!response.ok) {
    const code = await response.json().then((problem: { code?: unknown }) => problem.code, () => undefined);
    if (typeof code === 'string' && UNDISCLOSED.has(code)) return null;
    throw new Error(`/api/v1/log/record: ${response.status}`);
  }
  const { salt, state } = (await response.json()) as { salt?: unknown; state?: unknown };
  const digest = (JSON.parse(utf8.decode(entry)) as { state?: unknown }).state;
  const text = canonicalize(state);
  if (typeof salt !== 'string' || typeof digest !== 'string' || text === undefined) return false;
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...fromBase64Url(salt), ...encode(text)])));
  return `sha256:${toBase64Url(hash)}` === digest;
}

/** Whether the tiles of `current` give the root this browser remembers for the earlier size. */
async function consistentWith(previous: { size: number; root: Uint8Array }, current: Checkpoint): Promise<boolean> {
  if (current.size < previous.size) return false;
  try {
    await tiles.verifyConsistency(previous, current);
    return true;
  } catch {
    return false;
  }
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
      const previous = remembered();
      const checkpoint = await verifiedCheckpoint(previous?.vkey);
      line(steps, checkpoint !== null, say(checkpoint ? 'signatureOk' : 'signatureBad'));
      const entry = checkpoint === null ? null : await includedEntry(index, checkpoint);
      const included = entry !== null;
      let consistent = false;
      let state: boolean | null = null;
      if (checkpoint) {
        const text = (included ? say('inclusionOk') : say('inclusionBad')).replace('{index}', String(index)).replace('{size}', String(checkpoint.size));
        line(steps, included, text);
        if (entry) {
          state = await stateMatches(index, entry);
          line(steps, state !== false, say(state === null ? 'stateUndisclosed' : state ? 'stateOk' : 'stateBad').replace('{index}', String(index)));
        }
        consistent = previous === null || (await consistentWith(previous, checkpoint));
        if (previous === null) line(steps, true, say('consistencyFirst'));
        else line(steps, consistent, say(consistent ? 'consistencyOk' : 'consistencyBad').replace('{previous}', String(previous.size)));
        // Only a checkpoint proven to extend the remembered one replaces it: a rewritten log keeps failing.
        if (consistent) localStorage.setItem(REMEMBERED, JSON.stringify({ size: checkpoint.size, root: toBase64(checkpoint.root), vkey: checkpoint.vkey }));
      }
      const verified = included && consistent && state !== false;
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

import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { equalBytes, verifyInclusion } from '#plaza/merkle';
import { type FetchLike, fetchCheckpoint, fromB64, hasher, logClient, type LogKeyChoice, read, VerifyFailure } from './log-verify.js';

export interface RecordCheck {
  ok: boolean;
  /** What failed, in a sentence, when `ok` is false. */
  problem?: string;
  index: number;
  treeSize?: number;
  subject?: { type: string; id: string };
  /** The state the entry's digest commits to, as the registry disclosed it: the record now (its latest entry) or as it was then. */
  state?: unknown;
}

/**
 * `plaza log check`: one record against the log, from the public API alone. The entry at `index` must be in the tree
 * of the checkpoint signed by the log's key (pinned, saved by `plaza log verify`, or read from /log/key) (inclusion proof), and SHA-256(salt || RFC 8785 state) of the state the registry
 * discloses for it must be the digest that entry holds: the record as served now for its latest entry, the state kept
 * when it was written for any earlier one whose state was public. Together: the record you are reading is the one the
 * log recorded, and the log cannot later pretend otherwise without failing `plaza log verify`.
 */
export async function checkRecord(registry: string, index: number, options: { fetch?: FetchLike; apiKey?: string; keys?: LogKeyChoice } = {}): Promise<RecordCheck> {
  const fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  const base = registry.replace(/\/+$/, '');
  const result: RecordCheck = { ok: false, index };
  try {
    const { size, root } = await fetchCheckpoint(fetcher, base, options.keys ?? {});
    result.treeSize = size;
    if (index >= size) throw new VerifyFailure(`entry ${index} is not in the signed log of ${size} entries`);

    // The entry is in the signed tree.
    const client = logClient(fetcher, base);
    const page: { entries?: { index?: unknown; entry?: unknown }[] } = await read(client.GET('/api/v1/log/entries', { params: { query: { start: index, end: index + 1 } } }));
    const served = page.entries?.[0];
    if (!served || served.index !== index || typeof served.entry !== 'string') throw new VerifyFailure(`entry ${index} is not served`);
    const bytes = fromB64(served.entry);
    const proof: { proof?: unknown } = await read(client.GET('/api/v1/log/proof/inclusion', { params: { query: { index, size } } }));
    const path = Array.isArray(proof.proof) && proof.proof.every((p) => typeof p === 'string') ? (proof.proof as string[]).map(fromB64) : null;
    if (!path || !(await verifyInclusion(hasher, await hasher.leaf(bytes), index, size, path, root))) {
      throw new VerifyFailure(`entry ${index} is not included in the signed tree of size ${size}`);
    }

    // The disclosed state (the record now, or as it was then) is what the entry digests.
    const entry = JSON.parse(Buffer.from(bytes).toString('utf8')) as { state?: unknown; subject?: { type: string; id: string } };
    result.subject = entry.subject;
    const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    const disclosed: { salt?: unknown; state?: unknown } = await read(client.GET('/api/v1/log/record', { params: { query: { index } }, headers }));
    if (typeof disclosed.salt !== 'string') throw new VerifyFailure(`the record of entry ${index} came without its salt`);
    result.state = disclosed.state;
    const digest = createHash('sha256').update(Buffer.from(disclosed.salt, 'base64url')).update(canonicalize(disclosed.state) ?? '', 'utf8').digest();
    if (!equalBytes(digest, new Uint8Array(Buffer.from(String(entry.state).replace(/^sha256:/, ''), 'base64url')))) {
      throw new VerifyFailure(`the state served for entry ${index} is not the state that entry recorded: it was changed outside the log`);
    }
    result.ok = true;
  } catch (error) {
    if (!(error instanceof VerifyFailure)) throw error;
    result.problem = error.message;
  }
  return result;
}

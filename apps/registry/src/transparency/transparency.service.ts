import { Inject, Injectable } from '@nestjs/common';
import { computeRoot, proveConsistency, proveInclusion } from '#plaza/merkle';
import { formatCheckpoint, parseCheckpoint as readCheckpoint } from '#plaza/note';
import type { Principal } from '../kernel/auth/principal.js';
import { APP_CONFIG } from '../platform/config/config.module.js';
import type { AppConfig } from '../platform/config/config.js';
import { JOURNALED_KINDS, type JournaledKind } from '../platform/journal/journaled-kind.js';
import { LogSigner } from './log-signer.js';
import { PublishedSize } from './published-size.js';
import { SignerElection } from './signer-election.js';
import { treeHasher } from '../platform/journal/merkle-node.repository.js';
import { TransparencyError, TransparencyErrorCode } from './transparency-error.js';
import { type StoredCheckpoint, TransparencyRepository } from './transparency.repository.js';
import { WitnessingService } from './witnessing/witnessing.service.js';
import { withholdingKind, type WithholdingState } from './withholding-record.js';
import {
  type CheckpointResponse, type ConsistencyProofQuery, type DisclosedRecordResponse, type RecordQuery, type ConsistencyProofResponse, type EntriesQuery, type InclusionProofQuery, type InclusionProofResponse,
  type LogEntriesResponse, type LogKeysResponse, MAX_ENTRIES_PER_CALL, type RootQuery, type RootResponse, type WithholdingResponse, type WitnessedCheckpoint,
} from './transparency.dto.js';

/** A stored checkpoint with its signed note (the log's signature only). */
export type SignedCheckpoint = StoredCheckpoint & { note: string };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * The public read side of the transparency log. Roots and proofs for any size up to the current one come from the
 * stored complete-subtree hashes: one read of at most ~2·log2(n) rows, O(log n) hashes, never a rebuild.
 */
@Injectable()
export class TransparencyService {
  private readonly kinds: ReadonlyMap<string, JournaledKind>;

  constructor(
    @Inject(TransparencyRepository) private readonly log: TransparencyRepository,
    @Inject(LogSigner) private readonly signer: LogSigner,
    @Inject(SignerElection) private readonly election: SignerElection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WitnessingService) private readonly witnessing: WitnessingService,
    @Inject(PublishedSize) private readonly published: PublishedSize,
    @Inject(JOURNALED_KINDS) kinds: readonly JournaledKind[],
  ) {
    this.kinds = new Map(kinds.map((kind) => [kind.subjectType, kind]));
  }

  /**
   * The latest signed checkpoint (see signedCheckpoint), its note carrying the witnesses' cosignatures so far, their
   * standing, and the latest witnessed checkpoint (what GET /log/checkpoint serves when witnesses are configured).
   */
  async checkpoint(): Promise<CheckpointResponse> {
    const signed = await this.signedCheckpoint();
    const witnessed = await this.witnessing.witnessed(signed);
    const latest = !this.witnessing.publishesOnlyWitnessed ? null : witnessed.witnessed ? { size: signed.size, body: signed.body, note: witnessed.note } : await this.latestWitnessed();
    return { body: signed.body, jws: signed.jws, ...witnessed, witnessedCheckpoint: latest };
  }

  /**
   * The signed note GET /log/checkpoint serves. With no witness configured, the latest signed checkpoint (as the JSON
   * form, read-your-writes included); with witnesses, the latest checkpoint that met its quorum, with its cosignatures:
   * a newer one is published once enough witnesses cosigned it, so a monitor demanding the quorum never meets one
   * without it (the JSON form still shows the newest, and the writer's read-your-writes is kept there).
   */
  async publishedNote(): Promise<string> {
    if (!this.witnessing.publishesOnlyWitnessed) return (await this.checkpoint()).note;
    const witnessed = await this.latestWitnessed();
    if (!witnessed) {
      throw new TransparencyError(
        TransparencyErrorCode.CheckpointNotWitnessed,
        `No checkpoint of the log has the cosignatures of ${this.config.logWitnessQuorum} of its witnesses yet: it is published once they cosign one (GET /api/v1/log/checkpoint shows the newest and each witness's standing).`,
      );
    }
    return witnessed.note;
  }

  /** The latest checkpoint that met its quorum, with its cosignatures, or null before the first did. */
  private async latestWitnessed(): Promise<WitnessedCheckpoint | null> {
    const size = await this.witnessing.latestWitnessedSize();
    const stored = size === null ? null : await this.log.findCheckpoint(size);
    if (!stored) return null;
    const checked = await this.checked(stored);
    return { size: checked.size, body: checked.body, note: (await this.witnessing.witnessed(checked)).note };
  }

  /**
   * The latest signed checkpoint, signed by the log key only. The elected signer (SignerElection) signs the current
   * size the first time it is asked for, so whoever writes through it reads a checkpoint of its write; another instance
   * serves the latest stored one, which lags the journal until the signer's next tick (PLAZA_CHECKPOINT_INTERVAL_MS).
   * A size is signed at most once (its primary key), and a stored checkpoint whose root is not the tree's is never
   * served nor replaced: that would be a fork.
   */
  async signedCheckpoint(): Promise<SignedCheckpoint> {
    const stored = (await this.election.elected()) ? await this.signedCurrentSize() : await this.log.latestCheckpoint();
    if (!stored) throw new TransparencyError(TransparencyErrorCode.CheckpointPending, 'The log has no signed checkpoint yet: the instance that signs them publishes one within a few seconds.');
    return this.checked(stored);
  }

  /** A stored checkpoint whose root is the tree's, with its note. */
  private async checked(stored: StoredCheckpoint): Promise<SignedCheckpoint> {
    const root = Buffer.from(await computeRoot(this.log.store(), treeHasher, stored.size));
    if (!stored.rootHash.equals(root)) {
      throw new TransparencyError(TransparencyErrorCode.CheckpointConflict, `The checkpoint stored for size ${stored.size} names another root than the tree's.`);
    }
    return { ...stored, note: stored.note ?? (await this.noteOfEarlierCheckpoint(stored)) };
  }

  /**
   * How many entries the log holds: every committed change, since a change and its leaf commit together. What a page
   * counts without signing (a checkpoint signed for a page's sake would be a second change to render again).
   */
  size(): Promise<number> {
    return this.log.treeSize();
  }

  /** The log's signed-note verifier key, `name+id+key`, which verifiers pin. */
  verifierKey(): string {
    return this.signer.verifierKey;
  }

  /** Every key the log has used, with the rotation statements chaining them. */
  async keys(): Promise<LogKeysResponse> {
    return { origin: this.config.logOrigin, current: this.signer.verifierKey, keys: await this.signer.keys() };
  }

  jwks(): { keys: object[] } {
    return { keys: [this.signer.publicJwk] };
  }

  private async signedCurrentSize(): Promise<StoredCheckpoint> {
    const size = await this.log.treeSize();
    const stored = await this.log.findCheckpoint(size);
    if (stored) return stored;
    const signed = await this.sign(size);
    // Marked outside the database before any instance can serve it or send it to a witness (PublishedSize).
    await this.published.record(size, signed.rootHash);
    return this.log.saveCheckpoint(signed);
  }

  /** One body, two signatures over its exact bytes by the log key: the JWS and the signed note. */
  private async sign(size: number): Promise<StoredCheckpoint> {
    const rootHash = Buffer.from(await computeRoot(this.log.store(), treeHasher, size));
    const body = checkpointBody(this.config.logOrigin, size, rootHash);
    return { size, rootHash, body, jws: await this.signer.sign(body), note: this.signer.signNote(body) };
  }

  /**
   * A checkpoint stored before signed notes gets its note the first time it is served, by any instance: it states
   * nothing the stored JWS does not, and Ed25519 is deterministic, so every instance writes the same bytes.
   */
  private async noteOfEarlierCheckpoint(stored: StoredCheckpoint): Promise<string> {
    const note = this.signer.signNote(stored.body);
    await this.log.saveNote(stored.size, note);
    return note;
  }

  async entries(query: EntriesQuery): Promise<LogEntriesResponse> {
    const treeSize = await this.log.treeSize();
    const { start } = query;
    const end = query.end ?? Math.min(start + MAX_ENTRIES_PER_CALL, treeSize);
    if (start >= treeSize) throw this.sizeError(`start ${start} is not below the tree size ${treeSize}.`, TransparencyErrorCode.IndexOutOfRange);
    if (end <= start) throw new TransparencyError(TransparencyErrorCode.InvalidRange, `end ${end} must be greater than start ${start}.`);
    if (end - start > MAX_ENTRIES_PER_CALL) {
      throw new TransparencyError(TransparencyErrorCode.InvalidRange, `At most ${MAX_ENTRIES_PER_CALL} entries per call: end - start is ${end - start}.`);
    }
    if (end > treeSize) throw this.sizeError(`end ${end} is beyond the tree size ${treeSize}.`);
    const rows = await this.log.entries(start, end);
    return { treeSize, entries: rows.map((row) => ({ index: row.index, entry: row.entry.toString('base64'), leafHash: row.leafHash.toString('base64') })) };
  }

  async root(query: RootQuery): Promise<RootResponse> {
    const treeSize = await this.checkedSize(query.size);
    return { treeSize, rootHash: b64(await computeRoot(this.log.store(), treeHasher, treeSize)) };
  }

  async inclusion(query: InclusionProofQuery): Promise<InclusionProofResponse> {
    const treeSize = await this.checkedSize(query.size);
    const { index } = query;
    if (index >= treeSize) throw this.sizeError(`index ${index} is not below the tree size ${treeSize}.`, TransparencyErrorCode.IndexOutOfRange);
    const store = this.log.store();
    const [[leafHash], rootHash, proof] = await Promise.all([
      store.getNodes([{ level: 0, index }]),
      computeRoot(store, treeHasher, treeSize),
      proveInclusion(store, treeHasher, index, treeSize),
    ]);
    return { index, treeSize, leafHash: b64(leafHash!), rootHash: b64(rootHash), proof: proof.map(b64) };
  }

  async consistency(query: ConsistencyProofQuery): Promise<ConsistencyProofResponse> {
    const second = await this.checkedSize(query.second);
    const { first } = query;
    if (first > second) throw new TransparencyError(TransparencyErrorCode.InvalidRange, `first ${first} must not be greater than second ${second}.`);
    const store = this.log.store();
    const [firstRoot, secondRoot, proof] = await Promise.all([
      computeRoot(store, treeHasher, first),
      computeRoot(store, treeHasher, second),
      proveConsistency(store, treeHasher, first, second),
    ]);
    return { first, second, firstRootHash: b64(firstRoot), secondRootHash: b64(secondRoot), proof: proof.map(b64) };
  }

  /**
   * The record an entry is about, with the entry's salt and the state that entry digests, so that anyone can check
   * SHA-256(salt || RFC 8785 state) against the entry's `state` digest. The record's latest entry: its state recomputed
   * from the record as stored now, for whoever may read the record. An earlier entry: the state kept when it was written,
   * to anyone, if that state was public then; otherwise (not public, or from before states were kept) the same 409 either
   * way, so a private state's existence reads like a missing one. A state the operator withheld is never disclosed.
   */
  async record(query: RecordQuery, viewer: Principal | undefined): Promise<DisclosedRecordResponse> {
    const { index } = query;
    const subject = await this.log.findSubject(index);
    if (!subject) throw this.sizeError(`There is no entry ${index} in the log.`, TransparencyErrorCode.IndexOutOfRange);
    const { kept } = subject;
    if (kept?.withheldAt != null) {
      throw new TransparencyError(TransparencyErrorCode.StateWithheld, `The state entry ${index} recorded was withheld by the operator at entry ${kept.withheldAt}.`);
    }
    const disclosed = { index, subject: { type: subject.subjectType, id: subject.subjectId }, salt: subject.salt.toString('base64url') };
    const kind = this.kinds.get(subject.subjectType);
    const latest = kind && (await this.log.disclose(kind, index));
    if (latest) {
      if (!latest.visibleTo(viewer)) throw new TransparencyError(TransparencyErrorCode.RecordNotDisclosed, `Entry ${index} is about a ${subject.subjectType} you may not read.`);
      return { ...disclosed, state: latest.state };
    }
    if (kept?.isPublic && kept.state !== null) return { ...disclosed, state: JSON.parse(kept.state) as unknown };
    const newer = await this.log.latestIndexAbout(subject.subjectType, subject.subjectId);
    throw new TransparencyError(
      TransparencyErrorCode.RecordSuperseded,
      `${newer > index ? `Entry ${index} is no longer the latest about ${subject.subjectType} ${subject.subjectId} (it changed at entry ${newer} or later)` : `The ${subject.subjectType} ${subject.subjectId} that entry ${index} is about no longer names it as its latest entry`}, and the state it recorded is not disclosed: only a state that was public when written, since the registry began keeping states, is disclosed to anyone.`,
    );
  }

  /** The withholding of entry `index`'s state, as its entry recorded it. */
  async withholding(index: number): Promise<WithholdingResponse> {
    const journalIndex = (await this.log.withholdingOf(index))!;
    const state = (await this.log.disclose(withholdingKind, journalIndex))!.state as WithholdingState;
    return { ...state, journalIndex };
  }

  /** The requested size, or the current one; refused when the log has not grown that far. */
  private async checkedSize(size: number | undefined): Promise<number> {
    const current = await this.log.treeSize();
    if (size === undefined) return current;
    if (size > current) throw this.sizeError(`size ${size} is beyond the tree size ${current}.`);
    return size;
  }

  private sizeError(detail: string, code = TransparencyErrorCode.SizeBeyondTree): TransparencyError {
    return new TransparencyError(code, detail);
  }
}

/** The C2SP tlog-checkpoint body: origin, decimal tree size and standard base64 root hash, each ending with a newline. */
export function checkpointBody(origin: string, size: number, rootHash: Uint8Array): string {
  return formatCheckpoint({ origin, size, rootHash, extensions: [] });
}

/** Origin, size and base64 root hash of a checkpoint body that checkpointBody wrote. */
export function parseCheckpoint(body: string): { origin: string; size: number; root: string } {
  const { origin, size, rootHash } = readCheckpoint(body);
  return { origin, size, root: b64(rootHash) };
}

import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '#plaza/json';
import type { ActingKey } from '../../kernel/auth/actor.js';

/**
 * Version of the entry format below; the transparency log hashes these bytes as its leaves. Version 2 added `key`.
 * Entries are stored as the bytes they were written as, never re-encoded, so version 1 entries keep their hashes.
 */
export const ENTRY_FORMAT_VERSION = 2;

export interface EntryFields {
  index: number;
  recordedAt: Date;
  action: string;
  subjectType: string;
  subjectId: string;
  organisationId: string | null;
  actorId: string | null;
  /** Null when the registry itself made the change (start-up, scheduled transitions). */
  key: ActingKey | null;
  /** `sha256:` + base64url of SHA-256(salt || RFC 8785 text of the record's new state). */
  stateDigest: string;
}

/**
 * The exact bytes of a journal entry: the RFC 8785 canonical JSON of its fields. Identifiers only:
 * names, emails and other personal information never appear, and the state is present only as a
 * salted digest, so the public log cannot be used to confirm a guess about a record's content.
 */
export function encodeEntry(fields: EntryFields): Buffer {
  const { key } = fields;
  return Buffer.from(
    canonicalJson({
      v: ENTRY_FORMAT_VERSION,
      index: fields.index,
      time: fields.recordedAt.toISOString(),
      action: fields.action,
      subject: { type: fields.subjectType, id: fields.subjectId },
      organisation: fields.organisationId,
      actor: fields.actorId,
      key: key && {
        id: key.id,
        prefix: key.prefix,
        issuedBy: key.issuedBy && { organisation: key.issuedBy.organisationId, member: key.issuedBy.memberId },
        operator: key.operator,
      },
      state: fields.stateDigest,
    }),
    'utf8',
  );
}

export function newSalt(): Buffer {
  return randomBytes(16);
}

/** The RFC 8785 text of a state: what its digest covers, and what journal_states keeps. */
export function stateText(state: unknown): string {
  return canonicalJson(state);
}

export function stateDigest(salt: Buffer, state: unknown): string {
  return `sha256:${createHash('sha256').update(salt).update(stateText(state), 'utf8').digest('base64url')}`;
}

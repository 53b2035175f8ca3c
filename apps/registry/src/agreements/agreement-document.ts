import { createHash } from 'node:crypto';
import { canonicalJson } from '#plaza/json';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import type { EventType } from './agreement.entity.js';

export const AGREEMENT_DOCUMENT_TYPE = 'https://plaza.example/agreement/v1';

export interface DocumentParty {
  id: string;
  slug: string;
  name: LocalizedText;
}

/**
 * What every party signs: the whole agreement as residents read it, naming its agreement and version
 * (so a signature over one version never counts for another) and the digest of the version it amends.
 * Everything is given by value or by stable id; no registry URL, so the document means the same anywhere.
 */
export interface AgreementDocument {
  type: typeof AGREEMENT_DOCUMENT_TYPE;
  agreement: string;
  version: number;
  amends: { version: number; documentDigest: string } | null;
  city: DocumentParty;
  vendors: DocumentParty[];
  sources: { id: string; ceSource: string; name: LocalizedText }[];
  eventTypes: EventType[];
  purposes: LocalizedText[];
  allowedFields: { party: string; standard: string; major: number; fields: string[] }[];
  retention: string;
  onwardSharing: boolean;
  dataResidency: string[];
  validFrom: string;
  validUntil: string;
  privacyRecords: string[];
  summary: LocalizedText;
  signaturesOpenedAt: string;
}

/** The exact bytes to sign: the UTF-8 of the document's RFC 8785 (JCS) form. */
export function documentBytes(document: AgreementDocument): Buffer {
  return Buffer.from(canonicalJson(document), 'utf8');
}

/** SHA-256 of the document bytes, base64url: how a later version names the one it amends. */
export function documentDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

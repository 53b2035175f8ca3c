import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { runPrepared } from './prepared-statement.js';
import type { AgreementStatus, EventType } from '../agreements/index.js';
import type { SourceStatus } from '../sources/index.js';
import type { StandardVersion } from '../standards/index.js';

/*
 * The registry read model: every query by which the exchange reads the tables of other features, and nothing else.
 *
 * Why the exchange reads them itself: checks 2 to 6 must judge each event against the keys, sources and agreements
 * as committed, holding them FOR SHARE in the very transaction that stores the events (a revocation, a suspension
 * or a termination then either commits first and is seen, or waits until the events are stored). That takes one
 * set-based statement per request under those locks; the owning features' repositories, one record and one
 * statement at a time, are not on this hot path. The exchange never writes these tables, and what it reads comes
 * back as the exchange's own plain types below, never as another feature's entities.
 *
 * Every table and column read is declared in READ_MODEL_COLUMNS, which test/integration/exchange-read-model.int-spec.ts
 * checks against the database: renaming or dropping one of them fails that test, not a request.
 */
export const READ_MODEL_COLUMNS = {
  /** signing-keys: the key a signature names (kid), whose it is, its public JWK and its validity (check 2, again under lock). */
  signing_keys: ['kid', 'organisation_id', 'jwk', 'valid_from', 'expires_at', 'revoked_at'],
  /** sources: the source an event names (ce_source), its owner and operator, status, privacy flag and declared standards (checks 3 to 5); the feed's access. */
  sources: ['id', 'ce_source', 'owner_id', 'operator_id', 'status', 'personal_information', 'standards'],
  /** agreements: locked FOR SHARE while events rely on them; the city owning each (the privacy rule). */
  agreements: ['id', 'city_id'],
  /** agreement-versions: what is in force when, for which vendors, sources, types and fields (checks 4 and 6). */
  agreement_versions: [
    'id', 'agreement_id', 'number', 'status', 'vendor_ids', 'source_ids', 'event_types', 'allowed_fields', 'valid_from', 'valid_until',
    'privacy_record_ids', 'signatures_completed_at', 'history', 'retention',
  ],
  /** standards: the standard of an event's CloudEvents type (check 5). */
  standards: ['id', 'ce_type'],
  /** standard versions: the published version a dataschema names, and its schema (check 5); the majors an agreement covers (the feed). */
  standard_versions: ['id', 'standard_id', 'major', 'schema_uri', 'status', 'schema'],
} as const satisfies Record<string, readonly string[]>;

/** A signing key, as checks 2 read it. */
export interface ExchangeKey {
  kid: string;
  organisationId: string;
  jwk: Record<string, string>;
  validFrom: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A source, as checks 3 to 5 read it. */
export interface ExchangeSource {
  id: string;
  ceSource: string;
  ownerId: string;
  operatorId: string;
  status: SourceStatus;
  personalInformation: boolean;
  /** The standards (and majors) it declares it emits. */
  standards: { standard: string; major: number }[];
}

/** A source, as the feed and the conformance record find it. */
export interface SourceIdentity {
  id: string;
  ownerId: string;
  ceSource: string;
}

/** An agreement some event relies on, locked FOR SHARE. */
export interface ExchangeAgreement {
  id: string;
  cityId: string;
}

/** One version of such an agreement: what check 4 needs to tell what is in force when, and check 6 what it allows. */
export interface ExchangeAgreementVersion {
  id: string;
  agreementId: string;
  number: number;
  status: AgreementStatus;
  vendorIds: string[];
  sourceIds: string[];
  eventTypes: EventType[];
  allowedFields: { partyId: string; standard: string; major: number; fields: string[] }[];
  validFrom: Date;
  validUntil: Date;
  privacyRecordIds: string[];
  signaturesCompletedAt: Date | null;
  history: { status: AgreementStatus; at: string; reason: string | null }[];
}

export interface ExchangeStandard {
  id: string;
  ceType: string;
}

/** A standard version a dataschema names (without its schema). */
export interface ExchangeVersion {
  id: string;
  standardId: string;
  major: number;
  schemaUri: string;
  status: StandardVersion['status'];
}

/**
 * The signing keys with these kids ($kids: text[]): a complete SELECT, run alone (`keys`) and, FOR SHARE, in lockRegistry.
 */
export const keysSql = (kids: string) => `SELECT kid, organisation_id, jwk, valid_from, expires_at, revoked_at FROM signing_keys WHERE kid = ANY(${kids}::text[])`;

/**
 * The standards of these CloudEvents types ($types: text[]), each with its versions named by these dataschema URIs
 * ($schemaUris: text[]), if any; no schema bodies.
 */
export const standardsSql = (types: string, schemaUris: string) => `SELECT s.id AS standard_id, s.ce_type, v.id, v.major, v.schema_uri, v.status
         FROM standards s LEFT JOIN standard_versions v ON v.standard_id = s.id AND v.schema_uri = ANY(${schemaUris}::text[])
        WHERE s.ce_type = ANY(${types}::text[])`;

/**
 * A condition: the standard version `versionId` (an SQL expression) is of one of these (standard, major) pairs
 * ($standards: text[], $majors: integer[]). The feed filters events with it inside its own statement, so that the
 * versions and the events are read from one snapshot.
 */
export const versionCoveredSql = (versionId: string, standards: string, majors: string) => `EXISTS (
                SELECT 1 FROM standard_versions sv
                 WHERE sv.id = ${versionId} AND (sv.standard_id, sv.major) IN (SELECT * FROM unnest(${standards}::text[], ${majors}::integer[])))`;

// Rows as the driver gives them, or as to_jsonb renders them (timestamps as text): both become Dates.
export interface KeyRow { kid: string; organisation_id: string; jwk: Record<string, string>; valid_from: Date | string; expires_at: Date | string | null; revoked_at: Date | string | null }
export interface StandardRow { standard_id: string; ce_type: string; id: string | null; major: number; schema_uri: string; status: ExchangeVersion['status'] }
interface SourceRow {
  id: string; owner_id: string; operator_id: string; status: SourceStatus; personal_information: boolean; standards: ExchangeSource['standards']; ce_source: string;
}
interface VersionRow {
  id: string; agreement_id: string; number: number; status: AgreementStatus; vendor_ids: string[]; source_ids: string[]; event_types: EventType[];
  allowed_fields: ExchangeAgreementVersion['allowedFields']; valid_from: Date; valid_until: Date; privacy_record_ids: string[]; signatures_completed_at: Date | null;
  history: ExchangeAgreementVersion['history'];
}

const instant = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

export const toKey = (r: KeyRow): ExchangeKey => ({
  kid: r.kid, organisationId: r.organisation_id, jwk: r.jwk, validFrom: instant(r.valid_from)!, expiresAt: instant(r.expires_at), revokedAt: instant(r.revoked_at),
});

export const toStandards = (rows: StandardRow[]): { standards: ExchangeStandard[]; versions: ExchangeVersion[] } => ({
  standards: [...new Map(rows.map((r) => [r.standard_id, { id: r.standard_id, ceType: r.ce_type }])).values()],
  versions: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, standardId: r.standard_id, major: r.major, schemaUri: r.schema_uri, status: r.status })),
});

const toSource = (r: SourceRow): ExchangeSource => ({
  id: r.id, ownerId: r.owner_id, operatorId: r.operator_id, status: r.status, personalInformation: r.personal_information, standards: r.standards, ceSource: r.ce_source,
});

const toVersion = (v: VersionRow): ExchangeAgreementVersion => ({
  id: v.id, agreementId: v.agreement_id, number: v.number, status: v.status, vendorIds: v.vendor_ids, sourceIds: v.source_ids, eventTypes: v.event_types,
  allowedFields: v.allowed_fields, validFrom: v.valid_from, validUntil: v.valid_until, privacyRecordIds: v.privacy_record_ids,
  signaturesCompletedAt: v.signatures_completed_at, history: v.history,
});

/** The registry read model's statements that run on their own (the SQL fragments above ride inside the exchange's own statements). */
@Injectable()
export class RegistryReadModel {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * In the storing transaction, one statement locks FOR SHARE the signing keys, the sources, and the agreements with a
   * version covering a source that someone other than its owner submits for (`senders`: each source with an
   * organisation submitting for it). Revoking a key, changing a source's status, suspending or terminating an
   * agreement lock the same rows FOR UPDATE. Rows are locked in key order, so concurrent groups never deadlock on
   * them. The keys and sources come back as locked, so as last committed; the agreements' versions must be read by a
   * later statement (see `agreementVersions`).
   */
  async lockRegistry(
    kids: string[], ceSources: string[], senders: { ceSource: string; organisationId: string }[], manager: EntityManager,
  ): Promise<{ keys: ExchangeKey[]; sources: ExchangeSource[]; agreements: ExchangeAgreement[] }> {
    const rows = (await runPrepared(manager, 'exchange_lock_registry',
      `WITH k AS (${keysSql('$1')} ORDER BY kid FOR SHARE),
            s AS (SELECT id, owner_id, operator_id, status, personal_information, standards, ce_source FROM sources WHERE ce_source = ANY($2::text[]) ORDER BY id FOR SHARE),
            a AS (SELECT a.id, a.city_id FROM agreements a
                   WHERE a.id IN (SELECT v.agreement_id FROM agreement_versions v JOIN s ON v.source_ids ? s.id::text
                                    JOIN unnest($3::text[], $4::uuid[]) AS r(ce_source, organisation_id) ON r.ce_source = s.ce_source
                                   WHERE s.owner_id <> r.organisation_id)
                   ORDER BY a.id FOR SHARE OF a)
       SELECT 'key' AS kind, to_jsonb(k) AS row FROM k
       UNION ALL SELECT 'source', to_jsonb(s) FROM s
       UNION ALL SELECT 'agreement', to_jsonb(a) FROM a`,
      [kids, ceSources, senders.map((s) => s.ceSource), senders.map((s) => s.organisationId)],
    )) as ({ kind: 'key'; row: KeyRow } | { kind: 'source'; row: SourceRow } | { kind: 'agreement'; row: { id: string; city_id: string } })[];
    const locked = { keys: [] as ExchangeKey[], sources: [] as ExchangeSource[], agreements: [] as ExchangeAgreement[] };
    for (const { kind, row } of rows) {
      if (kind === 'key') locked.keys.push(toKey(row));
      else if (kind === 'source') locked.sources.push(toSource(row));
      else locked.agreements.push({ id: row.id, cityId: row.city_id });
    }
    return locked;
  }

  /** The versions of these agreements, oldest first: run after lockRegistry, so it sees every change committed before the locks. */
  async agreementVersions(agreementIds: string[], manager: EntityManager): Promise<ExchangeAgreementVersion[]> {
    if (agreementIds.length === 0) return [];
    const rows = (await runPrepared(manager, 'exchange_agreement_versions',
      `SELECT id, agreement_id, number, status, vendor_ids, source_ids, event_types, allowed_fields, valid_from, valid_until, privacy_record_ids,
              signatures_completed_at, history
         FROM agreement_versions WHERE agreement_id = ANY($1::uuid[]) ORDER BY agreement_id, number`,
      [agreementIds],
    )) as VersionRow[];
    return rows.map(toVersion);
  }

  /** The signing keys with these kids (see keysSql). */
  async keys(kids: string[]): Promise<ExchangeKey[]> {
    if (kids.length === 0) return [];
    return ((await this.db.manager.query(keysSql('$1'), [kids])) as KeyRow[]).map(toKey);
  }

  /** The standards named by these CloudEvents types, with their versions named by these dataschema URIs (see standardsSql). */
  async standards(types: string[], schemaUris: string[]): Promise<{ standards: ExchangeStandard[]; versions: ExchangeVersion[] }> {
    if (types.length === 0) return { standards: [], versions: [] };
    return toStandards((await this.db.manager.query(standardsSql('$1', '$2'), [types, schemaUris])) as StandardRow[]);
  }

  /** The JSON Schemas of these published versions, by schema URI. */
  async schemas(schemaUris: string[]): Promise<Map<string, Record<string, unknown>>> {
    if (schemaUris.length === 0) return new Map();
    const rows = (await this.db.manager.query('SELECT schema_uri, schema FROM standard_versions WHERE schema_uri = ANY($1::text[])', [schemaUris])) as {
      schema_uri: string; schema: Record<string, unknown>;
    }[];
    return new Map(rows.map((r) => [r.schema_uri, r.schema]));
  }

  /** A source by its id or its CloudEvents source value. */
  async findSource(where: { id: string } | { ceSource: string }): Promise<SourceIdentity | null> {
    const [column, value] = 'id' in where ? ['id', where.id] : ['ce_source', where.ceSource];
    const [row] = (await this.db.manager.query(`SELECT id, owner_id, ce_source FROM sources WHERE ${column} = $1`, [value])) as { id: string; owner_id: string; ce_source: string }[];
    return row ? { id: row.id, ownerId: row.owner_id, ceSource: row.ce_source } : null;
  }

  /** The sources an organisation owns, or that an agreement version (of any status) names it a vendor of: who might read them. */
  async sourcesNamingOrganisation(organisationId: string): Promise<SourceIdentity[]> {
    const rows = (await this.db.manager.query(
      `SELECT id, owner_id, ce_source FROM sources
        WHERE owner_id = $1 OR id IN (SELECT jsonb_array_elements_text(source_ids)::uuid FROM agreement_versions WHERE vendor_ids @> jsonb_build_array($1::text))
        ORDER BY ce_source`,
      [organisationId],
    )) as { id: string; owner_id: string; ce_source: string }[];
    return rows.map((row) => ({ id: row.id, ownerId: row.owner_id, ceSource: row.ce_source }));
  }

  /** A source's CloudEvents source value, for a journaled kind's disclosure (a plain function of the manager it is given). */
  static async ceSourceOf(manager: EntityManager, sourceId: string): Promise<string | null> {
    const [row] = (await manager.query('SELECT ce_source FROM sources WHERE id = $1', [sourceId])) as { ce_source: string }[];
    return row?.ce_source ?? null;
  }

  ceSourceById(sourceId: string): Promise<string | null> {
    return RegistryReadModel.ceSourceOf(this.db.manager, sourceId);
  }
}

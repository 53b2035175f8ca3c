import { Injectable } from '@nestjs/common';
import semver from 'semver';
import { canonicalSchemaUri, schemaDigest } from '#plaza/standards';
import { journalState, type Transaction } from '../journal/unit-of-work.js';
import { Standard, StandardVersion, type VersionExamples } from './standard.entity.js';
import type { LocalizedText } from '../common/text/localized-text.js';
import { StandardResponse, StandardVersionResponse } from './standard.dto.js';

export interface StandardFields {
  id: string;
  title: LocalizedText;
  description: LocalizedText;
  type: string;
  licence: string;
}

export interface VersionFields {
  standardId: string;
  version: string;
  schema: Record<string, unknown>;
  examples: VersionExamples;
  origin: 'baseline' | 'proposal';
  proposalNumber: number | null;
}

/** Writes standards and versions inside a unit of work: the one place a version becomes published. */
@Injectable()
export class StandardPublisher {
  async createStandard(tx: Transaction, fields: StandardFields): Promise<Standard> {
    const standard = await tx.manager.save(
      tx.manager.create(Standard, { id: fields.id, title: fields.title, description: fields.description, ceType: fields.type, licence: fields.licence }),
    );
    tx.record({ action: 'standard.created', subjectType: 'standard', subjectId: standard.id, organisationId: null, state: journalState(StandardResponse.from(standard)), record: standard });
    return standard;
  }

  async updateStandard(tx: Transaction, standard: Standard, fields: Pick<StandardFields, 'title' | 'description' | 'licence'>): Promise<Standard> {
    Object.assign(standard, fields);
    await tx.manager.save(standard);
    tx.record({ action: 'standard.updated', subjectType: 'standard', subjectId: standard.id, organisationId: null, state: journalState(StandardResponse.from(standard)), record: standard });
    return standard;
  }

  async publishVersion(tx: Transaction, fields: VersionFields): Promise<StandardVersion> {
    const parsed = semver.parse(fields.version)!;
    const version = await tx.manager.save(
      tx.manager.create(StandardVersion, {
        standardId: fields.standardId,
        version: fields.version,
        major: parsed.major,
        minor: parsed.minor,
        patch: parsed.patch,
        schemaUri: canonicalSchemaUri(fields.standardId, fields.version),
        schema: fields.schema,
        schemaDigest: schemaDigest(fields.schema),
        examples: fields.examples,
        status: 'published',
        origin: fields.origin,
        proposalNumber: fields.proposalNumber,
        publishedAt: new Date(),
        deprecatedAt: null,
        retiredAt: null,
      }),
    );
    this.record(tx, 'standard-version.published', version);
    return version;
  }

  async deprecateVersion(tx: Transaction, version: StandardVersion): Promise<StandardVersion> {
    Object.assign(version, { status: 'deprecated', deprecatedAt: new Date() });
    await tx.manager.save(version);
    this.record(tx, 'standard-version.deprecated', version);
    return version;
  }

  private record(tx: Transaction, action: string, version: StandardVersion): void {
    tx.record({ action, subjectType: 'standard-version', subjectId: version.id, organisationId: null, state: journalState(StandardVersionResponse.from(version)), record: version });
  }
}

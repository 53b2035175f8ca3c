import { Injectable } from '@nestjs/common';
import semver from 'semver';
import { canonicalSchemaUri, schemaDigest } from '#plaza/standards';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import { Standard, StandardVersion, type VersionExamples } from './standard.entity.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import { recordStandard, recordStandardVersion } from './standard-record.js';

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
    recordStandard(tx, 'standard.created', standard);
    return standard;
  }

  async updateStandard(tx: Transaction, standard: Standard, fields: Pick<StandardFields, 'title' | 'description' | 'licence'>): Promise<Standard> {
    Object.assign(standard, fields);
    await tx.manager.save(standard);
    recordStandard(tx, 'standard.updated', standard);
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
    recordStandardVersion(tx, 'standard-version.published', version);
    return version;
  }

  async deprecateVersion(tx: Transaction, version: StandardVersion): Promise<StandardVersion> {
    Object.assign(version, { status: 'deprecated', deprecatedAt: new Date() });
    await tx.manager.save(version);
    recordStandardVersion(tx, 'standard-version.deprecated', version);
    return version;
  }
}

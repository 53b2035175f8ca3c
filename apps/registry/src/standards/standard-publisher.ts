import { Inject, Injectable } from '@nestjs/common';
import semver from 'semver';
import { canonicalSchemaUri, schemaDigest } from '#plaza/standards';
import type { Transaction } from '../platform/journal/unit-of-work.js';
import type { Standard, StandardVersion, VersionExamples } from './standard.entity.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import { recordStandard, recordStandardVersion } from './standard-record.js';
import { StandardRepository } from './standard.repository.js';

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
  constructor(@Inject(StandardRepository) private readonly standards: StandardRepository) {}

  async createStandard(tx: Transaction, fields: StandardFields): Promise<Standard> {
    const standard = await this.standards.insertStandard(
      { id: fields.id, title: fields.title, description: fields.description, ceType: fields.type, licence: fields.licence },
      tx.manager,
    );
    recordStandard(tx, 'standard.created', standard);
    return standard;
  }

  async updateStandard(tx: Transaction, standard: Standard, fields: Pick<StandardFields, 'title' | 'description' | 'licence'>): Promise<Standard> {
    Object.assign(standard, fields);
    await this.standards.save(standard, tx.manager);
    recordStandard(tx, 'standard.updated', standard);
    return standard;
  }

  /**
   * Serialises, until the unit of work ends, publications of one standard: two acceptances racing for the same version
   * number cannot both publish it.
   */
  async lockStandard(tx: Transaction, standardId: string): Promise<void> {
    await this.standards.lockPublications(standardId, tx.manager);
  }

  async publishVersion(tx: Transaction, fields: VersionFields): Promise<StandardVersion> {
    const parsed = semver.parse(fields.version)!;
    const version = await this.standards.addVersion(
      {
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
      },
      tx.manager,
    );
    recordStandardVersion(tx, 'standard-version.published', version);
    return version;
  }

  async deprecateVersion(tx: Transaction, version: StandardVersion): Promise<StandardVersion> {
    Object.assign(version, { status: 'deprecated', deprecatedAt: new Date() });
    await this.standards.save(version, tx.manager);
    recordStandardVersion(tx, 'standard-version.deprecated', version);
    return version;
  }
}

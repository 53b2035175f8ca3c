import { Injectable } from '@nestjs/common';
import { SchemaValidator, type ValidationResult } from '#plaza/standards';
import type { StandardVersion } from './standard.entity.js';

export interface DataValidation extends ValidationResult {
  /** The version is deprecated: data still validates, and the answer says so, until it is retired. */
  deprecated: boolean;
}

/**
 * Validates event data against published versions. Each version's schema is compiled once, on first use,
 * and kept: published schemas never change, so the cache never goes stale.
 */
@Injectable()
export class StandardsCatalogue {
  private readonly validator = new SchemaValidator();

  validate(version: Pick<StandardVersion, 'schemaUri' | 'schema' | 'status'>, data: unknown): DataValidation {
    if (version.status === 'retired') {
      return { valid: false, errors: [{ pointer: '', message: `${version.schemaUri} is retired: data no longer validates against it`, keyword: 'retired' }], deprecated: false };
    }
    if (!this.validator.has(version.schemaUri)) this.validator.add(version.schema);
    const { valid, errors } = this.validator.validate(version.schemaUri, data);
    return { valid, errors, deprecated: version.status === 'deprecated' };
  }

  /** Whether the schema of this version is compiled and kept here, so that a caller need not fetch it again. */
  holds(schemaUri: string): boolean {
    return this.validator.has(schemaUri);
  }

  /** Problems that keep an untrusted schema (from a proposal, or a changed file) from ever being compiled. */
  inspect(schema: unknown) {
    return this.validator.inspect(schema);
  }
}

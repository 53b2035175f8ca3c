import { Inject, Injectable } from '@nestjs/common';
import semver from 'semver';
import type { EntityManager } from 'typeorm';
import {
  breakingChanges, checkAgainstHistory, checkStandardSchemaIdentity, COALITION_MODE, type HistoryReport, isCompatible, SchemaValidator,
  type VersionedIncompatibility,
} from '#plaza/standards';
import type { Proposal } from './proposal.entity.js';
import { ProposalError, ProposalErrorCode } from './proposal-error.js';
import { STANDARD_DIRECTORY, type StandardDirectory } from '../standards/index.js';

// Exported as examples/valid-<name>.json and examples/invalid-<name>.json.
const EXAMPLE_NAME = /^[a-z0-9][a-z0-9._-]{0,80}$/;

/** What a proposal's compatibility report records; it is public, beside the proposal. */
export interface CompatibilityRecord extends HistoryReport {
  mode: typeof COALITION_MODE;
  /** Whether the proposed version satisfies the coalition's rule against every earlier version of its major. */
  compatible: boolean;
  /** The changes that break the rule, each with the earlier version it breaks. */
  breaking: VersionedIncompatibility[];
}

/**
 * The checks a proposal must pass when it is submitted, and again when it is accepted: a safe schema
 * with the canonical identity, examples that agree with it, a version after the latest, and a version
 * number the compatibility report agrees with (a breaking change needs a new major).
 */
@Injectable()
export class ProposalChecks {
  constructor(@Inject(STANDARD_DIRECTORY) private readonly standards: StandardDirectory) {}

  async check(proposal: Proposal, manager: EntityManager): Promise<CompatibilityRecord | null> {
    const standard = await this.standards.findStandard(proposal.standardId, manager);
    if (proposal.kind === 'new-standard') {
      if (standard) throw new ProposalError(ProposalErrorCode.StandardExists, `The standard "${proposal.standardId}" already exists; propose a new version of it.`);
      if (await this.standards.findByType(proposal.standardInfo!.type, manager)) {
        throw new ProposalError(ProposalErrorCode.TypeTaken, `Another standard already has the CloudEvents type ${proposal.standardInfo!.type}.`);
      }
      if (semver.minor(proposal.version) !== 0 || semver.patch(proposal.version) !== 0) {
        throw new ProposalError(ProposalErrorCode.VersionNotAfterLatest, 'A new standard starts at a MAJOR.0.0 version, such as 1.0.0.');
      }
      this.checkSchema(proposal);
      return null;
    }
    if (!standard) throw new ProposalError(ProposalErrorCode.StandardUnknown, `There is no standard "${proposal.standardId}".`);
    const versions = await this.standards.versionsOf(proposal.standardId, manager);
    if (proposal.kind === 'deprecation') {
      const target = versions.find((v) => v.version === proposal.version);
      if (!target || target.status !== 'published') {
        throw new ProposalError(ProposalErrorCode.InvalidForKind, `Only a published version can be deprecated; ${proposal.version} of ${proposal.standardId} is ${target?.status ?? 'not published'}.`);
      }
      return null;
    }
    this.checkSchema(proposal);
    const latest = versions[versions.length - 1]!;
    if (!semver.gt(proposal.version, latest.version)) {
      throw new ProposalError(ProposalErrorCode.VersionNotAfterLatest, `A new version must come after the latest, ${latest.version}.`);
    }
    const major = semver.major(proposal.version);
    const earlier = versions.filter((v) => v.major === major);
    if (earlier.length === 0 && (major !== latest.major + 1 || semver.minor(proposal.version) !== 0 || semver.patch(proposal.version) !== 0)) {
      throw new ProposalError(ProposalErrorCode.VersionNotAfterLatest, `A new major version follows ${latest.major}.x.x as ${latest.major + 1}.0.0.`);
    }
    const history = checkAgainstHistory(proposal.schema!, earlier.map((v) => ({ version: v.version, schema: v.schema })));
    const record: CompatibilityRecord = { ...history, mode: COALITION_MODE, compatible: isCompatible(history), breaking: breakingChanges(history) };
    if (!record.compatible) {
      throw new ProposalError(
        ProposalErrorCode.VersionContradictsReport,
        `${proposal.version} is a ${semver.patch(proposal.version) > 0 ? 'patch' : 'minor'} version, but it is not backward compatible with every earlier ${major}.x version; a breaking change needs ${latest.major + 1}.0.0.`,
        { errors: record.breaking.map((b) => ({ pointer: `#${b.pointer}`, detail: `against ${b.version}: ${b.message}`, kind: b.kind })), compatibility: record },
      );
    }
    return record;
  }

  private checkSchema(proposal: Proposal): void {
    if (!proposal.schema || !proposal.examples) {
      throw new ProposalError(ProposalErrorCode.InvalidForKind, `A ${proposal.kind} proposal carries the schema and its examples.`);
    }
    const badNames = [...Object.keys(proposal.examples.valid).map((n) => `valid/${n}`), ...Object.keys(proposal.examples.invalid).map((n) => `invalid/${n}`)]
      .filter((path) => !EXAMPLE_NAME.test(path.split('/')[1]!));
    if (badNames.length > 0) {
      throw new ProposalError(ProposalErrorCode.InvalidExampleName, 'Example names become file names: lowercase letters, digits, dots, hyphens and underscores.', {
        errors: badNames.map((path) => ({ pointer: `#/examples/${path}`, detail: 'not a valid example name' })),
      });
    }
    // Proposed schemas are untrusted: a fresh validator, so nothing of them stays compiled.
    const validator = new SchemaValidator();
    const problems = [...checkStandardSchemaIdentity(proposal.schema, proposal.standardId, proposal.version), ...validator.inspect(proposal.schema)];
    if (problems.length > 0) {
      throw new ProposalError(ProposalErrorCode.SchemaRefused, 'The schema cannot be accepted as it is.', {
        errors: problems.map((p) => ({ pointer: `#/schema${p.pointer}`, detail: p.message })),
      });
    }
    const id = validator.add(proposal.schema);
    const disagreements = [
      ...Object.entries(proposal.examples.valid).filter(([, data]) => !validator.validate(id, data).valid).map(([name]) => ({ pointer: `#/examples/valid/${name}`, detail: 'the schema refuses this valid example' })),
      ...Object.entries(proposal.examples.invalid).filter(([, data]) => validator.validate(id, data).valid).map(([name]) => ({ pointer: `#/examples/invalid/${name}`, detail: 'the schema accepts this invalid example' })),
    ];
    if (Object.keys(proposal.examples.valid).length === 0 || Object.keys(proposal.examples.invalid).length === 0) {
      disagreements.push({ pointer: '#/examples', detail: 'give at least one valid and one invalid example' });
    }
    if (disagreements.length > 0) throw new ProposalError(ProposalErrorCode.ExamplesDisagree, 'The examples and the schema disagree.', { errors: disagreements });
  }
}

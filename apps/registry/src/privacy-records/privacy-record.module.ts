import { Module } from '@nestjs/common';
import { MemberModule } from '../members/member.module.js';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { ApprovePrivacyRecord } from './approve-privacy-record.use-case.js';
import { PrivacyGate } from './privacy-gate.js';
import { PrivacyRecordExpiry } from './privacy-record-expiry.js';
import { PrivacyRecordController } from './privacy-record.controller.js';
import { PrivacyRecordDeciders } from './privacy-record-deciders.js';
import { PrivacyRecordReferences } from './privacy-record-references.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';
import { PrivacyRecordService } from './privacy-record.service.js';
import { RejectPrivacyRecord } from './reject-privacy-record.use-case.js';
import { SourcePrivacyFlags } from './source-privacy-flags.js';
import { SubmitPrivacyRecord } from './submit-privacy-record.use-case.js';

/**
 * Privacy impact records and the rule they enforce (PrivacyGate). Sources and agreements import this
 * module for the gate; it imports neither of theirs, and reads the sources and agreements tables through its own
 * repository. Members tell it who holds the privacy-approver role, since when and from whom.
 */
@Module({
  imports: [OrganisationModule, MemberModule],
  controllers: [PrivacyRecordController],
  providers: [
    PrivacyRecordService, PrivacyRecordRepository, PrivacyGate, SourcePrivacyFlags, SubmitPrivacyRecord, ApprovePrivacyRecord, RejectPrivacyRecord,
    PrivacyRecordExpiry, PrivacyRecordDeciders, PrivacyRecordReferences,
  ],
  exports: [PrivacyGate, PrivacyRecordService],
})
export class PrivacyRecordModule {}

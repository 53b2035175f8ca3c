import { Global, Module } from '@nestjs/common';
import { MemberModule } from '../members/index.js';
import { OrganisationModule } from '../organisations/index.js';
import { PRIVACY_COVERAGE, SourceModule } from '../sources/index.js';
import { ApprovePrivacyRecord } from './approve-privacy-record.use-case.js';
import { PrivacyGate } from './privacy-gate.js';
import { PrivacyRecordExpiry } from './privacy-record-expiry.js';
import { PrivacyRecordController } from './privacy-record.controller.js';
import { PrivacyRecordDeciders } from './privacy-record-deciders.js';
import { PrivacyRecordReferences } from './privacy-record-references.js';
import { PrivacyRecordRepository } from './privacy-record.repository.js';
import { PrivacyRecordService } from './privacy-record.service.js';
import { RejectPrivacyRecord } from './reject-privacy-record.use-case.js';
import { SubmitPrivacyRecord } from './submit-privacy-record.use-case.js';

/**
 * Privacy impact records and the rule they enforce (PrivacyGate). Records cover sources (read and flagged through the
 * sources port) and cite agreements (judged through AGREEMENT_CITATIONS, which the agreements feature provides, since
 * agreements depend on privacy records). Members tell it who holds the privacy-approver role, since when and from whom.
 */
@Module({
  imports: [OrganisationModule, MemberModule, SourceModule],
  controllers: [PrivacyRecordController],
  providers: [
    PrivacyRecordService, PrivacyRecordRepository, PrivacyGate, SubmitPrivacyRecord, ApprovePrivacyRecord, RejectPrivacyRecord,
    PrivacyRecordExpiry, PrivacyRecordDeciders, PrivacyRecordReferences,
  ],
  exports: [PrivacyGate, PrivacyRecordService],
})
export class PrivacyRecordModule {}

/** Answers the sources feature's PRIVACY_COVERAGE question with the feature's gate, everywhere (sources cannot import this feature). */
@Global()
@Module({
  imports: [PrivacyRecordModule],
  providers: [{ provide: PRIVACY_COVERAGE, useExisting: PrivacyGate }],
  exports: [PRIVACY_COVERAGE],
})
export class PrivacyCoverageModule {}

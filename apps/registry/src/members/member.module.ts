import { Module } from '@nestjs/common';
import { MEMBER_DIRECTORY } from './member-directory.js';
import { MemberController } from './member.controller.js';
import { MemberRepository } from './member.repository.js';
import { MemberService } from './member.service.js';
import { OrganisationModule } from '../organisations/index.js';

@Module({
  imports: [OrganisationModule],
  controllers: [MemberController],
  providers: [{ provide: MEMBER_DIRECTORY, useExisting: MemberRepository }, MemberService, MemberRepository],
  exports: [MemberService, MEMBER_DIRECTORY],
})
export class MemberModule {}

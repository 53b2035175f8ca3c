import { Module } from '@nestjs/common';
import { ApiKeyModule } from '../api-keys/api-key.module.js';
import { MemberModule } from '../members/member.module.js';
import { OrganisationModule } from '../organisations/organisation.module.js';
import { OperatorBootstrap } from './operator-bootstrap.js';

@Module({ imports: [OrganisationModule, MemberModule, ApiKeyModule], providers: [OperatorBootstrap] })
export class OperatorModule {}

import { Module } from '@nestjs/common';
import { OperatorBootstrap } from './operator-bootstrap.js';
import { ApiKeyModule } from '../api-keys/index.js';
import { MemberModule } from '../members/index.js';
import { OrganisationModule } from '../organisations/index.js';

@Module({ imports: [OrganisationModule, MemberModule, ApiKeyModule], providers: [OperatorBootstrap] })
export class OperatorModule {}

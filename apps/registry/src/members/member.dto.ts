import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsString, Length } from 'class-validator';
import { IsTextForPeople } from '../kernel/text/text-for-people.js';
import { OptionalField } from '../kernel/http/validation.js';
import { type Member } from './member.entity.js';
import { type Role, ROLES } from '../kernel/auth/vocabulary.js';

export class CreateMemberDto {
  @ApiProperty({ example: 'Alex Tremblay' })
  @IsString()
  @Length(1, 200)
  @IsTextForPeople()
  name: string;

  @ApiProperty({ example: 'alex@montreal.example' })
  @IsEmail()
  email: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['admin'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles: Role[];
}

export class UpdateMemberDto {
  @ApiPropertyOptional()
  @OptionalField()
  @IsString()
  @Length(1, 200)
  @IsTextForPeople()
  name?: string;

  @ApiPropertyOptional({ enum: ROLES, isArray: true })
  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles?: Role[];

  @ApiPropertyOptional({ description: 'An inactive member keeps their history but no key of theirs works' })
  @OptionalField()
  @IsBoolean()
  active?: boolean;
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty() name: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty() active: boolean;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ nullable: true, type: Number }) journalIndex: number | null;

  static from(m: Member): MemberResponse {
    return {
      id: m.id,
      organisationId: m.organisationId,
      name: m.name,
      email: m.email,
      roles: m.roles,
      active: m.active,
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
      journalIndex: m.journalIndex,
    };
  }
}

export class MemberPage {
  @ApiProperty({ type: [MemberResponse] }) items: MemberResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

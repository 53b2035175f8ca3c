import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsTextForPeople } from './text-for-people.js';

/** Every human-readable text of Plaza, in English and French. One type, used by every feature. */
export interface LocalizedText {
  en: string;
  fr: string;
}

/** Request and response shape of a bilingual text; `max` bounds both languages; only a multiline text has line breaks. */
export function localizedTextDto(max: number, options: { multiline?: boolean } = {}) {
  class LocalizedTextDto implements LocalizedText {
    @ApiProperty({ description: 'English', minLength: 1, maxLength: max })
    @IsString()
    @Length(1, max)
    @IsTextForPeople(options)
    en: string;

    @ApiProperty({ description: 'Français', minLength: 1, maxLength: max })
    @IsString()
    @Length(1, max)
    @IsTextForPeople(options)
    fr: string;
  }
  Object.defineProperty(LocalizedTextDto, 'name', { value: `LocalizedText${max}` });
  return LocalizedTextDto;
}

export const ShortText = localizedTextDto(200);
export const LongText = localizedTextDto(4000, { multiline: true });

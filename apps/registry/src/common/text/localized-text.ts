import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Every human-readable text of Plaza, in English and French. One type, used by every feature. */
export interface LocalizedText {
  en: string;
  fr: string;
}

/** Request and response shape of a bilingual text; `max` bounds both languages. */
export function localizedTextDto(max: number) {
  class LocalizedTextDto implements LocalizedText {
    @ApiProperty({ description: 'English', minLength: 1, maxLength: max })
    @IsString()
    @Length(1, max)
    en: string;

    @ApiProperty({ description: 'Français', minLength: 1, maxLength: max })
    @IsString()
    @Length(1, max)
    fr: string;
  }
  Object.defineProperty(LocalizedTextDto, 'name', { value: `LocalizedText${max}` });
  return LocalizedTextDto;
}

export const ShortText = localizedTextDto(200);
export const LongText = localizedTextDto(4000);

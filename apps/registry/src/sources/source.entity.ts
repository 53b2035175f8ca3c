import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JournaledEntity } from '../platform/journal/journaled.entity.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import type { Geometry } from './geojson.js';

export const SOURCE_KINDS = ['sensor', 'stream', 'dataset'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const SOURCE_STATUSES = ['planned', 'active', 'suspended', 'retired'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];
export const TECHNOLOGIES = [
  'air-quality-sensor', 'noise-sensor', 'traffic-counter', 'parking-sensor', 'camera', 'licence-plate-reader',
  'wifi-bluetooth-tracker', 'lidar', 'weather-station', 'water-sensor', 'energy-meter', 'waste-sensor', 'open-dataset', 'other',
] as const;
export type Technology = (typeof TECHNOLOGIES)[number];

export const PRIVACY_FLAG_REASONS = ['privacy-record-expired'] as const;
export type PrivacyFlagReason = (typeof PRIVACY_FLAG_REASONS)[number];

/** A standard a source emits, by id and major version. */
export interface EmittedStandard {
  standard: string;
  major: number;
}

/** A city's sensor, stream or dataset. */
@Entity('sources')
export class Source extends JournaledEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @Column({ name: 'operator_id', type: 'uuid' })
  operatorId: string;

  @Column({ type: 'text' })
  kind: SourceKind;

  @Column({ type: 'jsonb' })
  name: LocalizedText;

  @Column({ type: 'jsonb' })
  description: LocalizedText;

  @Column({ type: 'jsonb' })
  purpose: LocalizedText;

  @Column({ type: 'jsonb' })
  measures: LocalizedText[];

  @Column({ name: 'personal_information', type: 'boolean' })
  personalInformation: boolean;

  @Column({ name: 'legal_authority', type: 'jsonb' })
  legalAuthority: LocalizedText;

  @Column({ type: 'jsonb' })
  location: Geometry;

  @Column({ name: 'min_lon', type: 'double precision' })
  minLon: number;

  @Column({ name: 'min_lat', type: 'double precision' })
  minLat: number;

  @Column({ name: 'max_lon', type: 'double precision' })
  maxLon: number;

  @Column({ name: 'max_lat', type: 'double precision' })
  maxLat: number;

  @Column({ type: 'text' })
  technology: Technology;

  @Column({ type: 'jsonb' })
  standards: EmittedStandard[];

  /** The CloudEvents `source` attribute its events carry; unique in the registry. */
  @Column({ name: 'ce_source', type: 'text', unique: true })
  ceSource: string;

  @Column({ type: 'text' })
  status: SourceStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  @Column({ name: 'status_changed_at', type: 'timestamptz' })
  statusChangedAt: Date;

  /** Set when the privacy impact record that covered this personal-information source expired and none covers it now. */
  @Column({ name: 'privacy_flagged_at', type: 'timestamptz', nullable: true })
  privacyFlaggedAt: Date | null;

  @Column({ name: 'privacy_flag_reason', type: 'text', nullable: true })
  privacyFlagReason: PrivacyFlagReason | null;

  /** The record whose expiry raised the flag. */
  @Column({ name: 'privacy_flag_record_id', type: 'uuid', nullable: true })
  privacyFlagRecordId: string | null;

  /** The URL of the licence its data is published under; the operator's default licence applies when null. */
  @Column({ type: 'text', nullable: true })
  licence: string | null;

  /** Lower-cased names, descriptions and source value, for free-text search. */
  @Column({ name: 'search_text', type: 'text', select: false })
  searchText: string;
}

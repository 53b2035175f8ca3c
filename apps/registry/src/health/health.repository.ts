import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The health feature's one query, which reads no table: whether the database answers at all. */
@Injectable()
export class HealthRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}

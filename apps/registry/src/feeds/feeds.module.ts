import { Module } from '@nestjs/common';
import { OrganisationModule } from '../organisations/index.js';
import { PublicSiteModule } from '../public-site/index.js';
import { SourceModule } from '../sources/index.js';
import { TransparencyModule } from '../transparency/index.js';
import { FeedController } from './feeds.controller.js';
import { FeedService } from './feeds.service.js';

/** The change feeds (Atom): a read-only adapter over the journal's changes and the public register's words for them. */
@Module({
  imports: [OrganisationModule, SourceModule, TransparencyModule, PublicSiteModule],
  controllers: [FeedController],
  providers: [FeedService],
})
export class FeedModule {}

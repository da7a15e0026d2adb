export * from './ingest.types';
export * from './ingest.repository';
export * from './ingest.service';
export * from './feature-rebuild.service';
export * from './ingestion.module';
export * from './ingest-stats.service';

import 'reflect-metadata';
import { runService } from '@recsys/observability';
import { IngestModule } from './app.module';

runService('ingest', (config) => IngestModule.forRoot(config), (config) => config.INGEST_PORT);

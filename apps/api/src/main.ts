import 'reflect-metadata';
import { runService } from '@recsys/observability';
import { ApiModule } from './app.module';

runService('api', (config) => ApiModule.forRoot(config), (config) => config.PORT);

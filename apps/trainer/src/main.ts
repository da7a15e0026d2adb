import 'reflect-metadata';
import { runService } from '@recsys/observability';
import { TrainerModule } from './app.module';

runService('trainer', (config) => TrainerModule.forRoot(config), (config) => config.TRAINER_PORT);

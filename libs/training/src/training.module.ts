import { Module } from '@nestjs/common';
import { TrainingService } from './training.service';

/** The trainer's logic (needs StorageModule, RedisModule, RegistryModule, ObservabilityModule). */
@Module({ providers: [TrainingService], exports: [TrainingService] })
export class TrainingModule {}

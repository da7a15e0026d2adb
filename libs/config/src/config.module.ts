import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig, ConfigInput } from './config.schema';
import { loadConfig } from './config.loader';

/** Injection token of the validated {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Provides the validated configuration to every module; fails the boot on invalid input. */
@Global()
@Module({})
export class ConfigModule {
  /** `overrides` (tests) win over the environment. */
  static forRoot(overrides: ConfigInput | AppConfig = {}): DynamicModule {
    const config = isAppConfig(overrides) ? overrides : loadConfig(overrides);
    return { module: ConfigModule, providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] };
  }
}

function isAppConfig(x: ConfigInput | AppConfig): x is AppConfig {
  return Array.isArray((x as AppConfig).KAFKA_BROKERS);
}

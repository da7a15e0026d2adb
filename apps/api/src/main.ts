import 'reflect-metadata';
import { runClusteredService } from '@recsys/observability';

// The root module is loaded lazily: a cluster's primary only supervises workers and never needs it.
runClusteredService(
  'api',
  async (config) => (await import('./app.module')).ApiModule.forRoot(config),
  (config) => config.PORT,
  (config) => config.API_WORKERS,
);

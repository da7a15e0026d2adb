import { Module } from '@nestjs/common';
import { DashboardAssets, loadDashboardAssets } from './dashboard.assets';

/** The dashboard page and its assets, read once when the module is created. */
@Module({
  providers: [{ provide: DashboardAssets, useFactory: () => loadDashboardAssets() }],
  exports: [DashboardAssets],
})
export class DashboardModule {}

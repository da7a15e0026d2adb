export * from './model-loader';
export * from './model-holder.service';
export * from './recommendation.query';
export * from './recommendation.service';
export * from './scoring.module';
export * from './ranking.service';

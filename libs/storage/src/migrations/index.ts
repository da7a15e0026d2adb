import { InitialSchema1732780800000 } from './1732780800000-initial-schema';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1732780800000];

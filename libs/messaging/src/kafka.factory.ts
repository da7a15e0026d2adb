import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { AppConfig } from '@recsys/config';

const logger = new Logger('kafka');

/**
 * Emits 'partition-error' when the client reports that a topic-partition vanished or an offset fell outside its log:
 * the signs of a topic deleted and created again, after which a consumer's position may point into another log.
 */
export const kafkaSignals = new EventEmitter();
const PARTITION_ERROR = /does not host this topic-partition|not within the range of offsets|Offset out of range|UNKNOWN_TOPIC/i;

/** Routes kafkajs logs to the service logger; INFO chatter (joins, rebalances) is debug here. */
function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, ...extra } = log;
    const line = `${message} ${JSON.stringify({ broker: extra.broker, groupId: extra.groupId, error: extra.error })}`;
    if (PARTITION_ERROR.test(line)) kafkaSignals.emit('partition-error', line);
    if (level === logLevel.ERROR) logger.error(line);
    else if (level === logLevel.WARN) logger.warn(line);
    else logger.debug(line);
  };
}

/** A kafkajs client for the configured brokers. `clientSuffix` tells the processes apart in broker logs. */
export function createKafka(config: Pick<AppConfig, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID'>, clientSuffix = ''): Kafka {
  return new Kafka({
    clientId: clientSuffix ? `${config.KAFKA_CLIENT_ID}-${clientSuffix}` : config.KAFKA_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    logLevel: logLevel.WARN,
    logCreator,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
  });
}

// Notices (SPEC 6.2): the queue routes enqueue notices on and its dead-letter queue (both
// encrypted with the stack's key), the alarm on the dead-letter queue, and the event sources
// of the two event-driven functions: the SQS mapping of notifications (partial batch failures)
// and the 15-minute schedule of jobs. The same logical ids and properties as the SAM template.
import { Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';

import { BuiltGroup } from './group';
import { named } from './named';
import { Settings } from './settings';

export interface NoticesQueues {
  readonly queue: sqs.CfnQueue;
  readonly deadLetterAlarm: cloudwatch.CfnAlarm;
}

export function noticesQueues(stack: Stack, s: Settings, key: kms.CfnKey, alarmTarget: string): NoticesQueues {
  const deadLetters = named(new sqs.CfnQueue(stack, 'NoticesDeadLetterQueue', {
    queueName: Fn.sub('${AWS::StackName}-notices-dlq'),
    kmsMasterKeyId: key.attrArn,
    kmsDataKeyReusePeriodSeconds: 300,
    messageRetentionPeriod: 1209600, // 14 days, the most SQS keeps a message
  }), 'NoticesDeadLetterQueue');
  // After 5 receives to the dead-letter queue; the visibility timeout is six times the
  // function's timeout, as AWS advises for an event source mapping.
  const queue = named(new sqs.CfnQueue(stack, 'NoticesQueue', {
    queueName: Fn.sub('${AWS::StackName}-notices'),
    kmsMasterKeyId: key.attrArn,
    kmsDataKeyReusePeriodSeconds: 300,
    visibilityTimeout: 180,
    messageRetentionPeriod: 345600, // 4 days; the outbox re-enqueues for a day anyway
    redrivePolicy: { deadLetterTargetArn: deadLetters.attrArn, maxReceiveCount: 5 },
  }), 'NoticesQueue');
  const deadLetterAlarm = named(new cloudwatch.CfnAlarm(stack, 'NoticesDeadLetterAlarm', {
    alarmDescription: `Drive Alive ${s.stage}: a notice failed 5 times and is in the dead-letter queue`,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: [{ name: 'QueueName', value: deadLetters.attrQueueName }],
    statistic: 'Maximum', period: 300, evaluationPeriods: 1, threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [alarmTarget],
    okActions: [alarmTarget],
  }), 'NoticesDeadLetterAlarm');
  return { queue, deadLetterAlarm };
}

/** The notifications function reads the queue; the jobs function runs every 15 minutes. */
export function eventSources(stack: Stack, queue: sqs.CfnQueue, notifications: BuiltGroup, jobs: BuiltGroup): void {
  named(new lambda.CfnEventSourceMapping(stack, 'NotificationsFunctionNotices', {
    batchSize: 5,
    eventSourceArn: queue.attrArn,
    functionName: notifications.alias.ref,
    functionResponseTypes: ['ReportBatchItemFailures'],
  }), 'NotificationsFunctionNotices');
  const rule = named(new events.CfnRule(stack, 'JobsFunctionEveryQuarterHour', {
    description: 'Drive Alive scheduled jobs',
    scheduleExpression: 'rate(15 minutes)',
    targets: [{ arn: jobs.alias.ref, id: 'JobsFunctionEveryQuarterHourLambdaTarget' }],
  }), 'JobsFunctionEveryQuarterHour');
  named(new lambda.CfnPermission(stack, 'JobsFunctionEveryQuarterHourPermission', {
    action: 'lambda:InvokeFunction',
    functionName: jobs.alias.ref,
    principal: 'events.amazonaws.com',
    sourceArn: rule.attrArn,
  }), 'JobsFunctionEveryQuarterHourPermission');
}

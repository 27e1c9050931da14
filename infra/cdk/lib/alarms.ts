// The stack-wide alarms: the API's 5XX answers and p99 latency, DynamoDB's throttles and
// system errors (summed over the operations the code calls), and the app's own metrics
// (shared/src/metrics.rs: EMF lines with a Function dimension). Every alarm notifies the
// alarm topic; docs/runbook.md has an entry for each.
import { Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

import { EVENT_FUNCTIONS, GROUPS } from './groups';
import { named } from './named';
import { Settings } from './settings';

export const TABLE_OPERATIONS = ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem',
  'Query', 'Scan', 'TransactWriteItems'];

export function sharedAlarms(stack: Stack, s: Settings, tableName: string, target: string): cloudwatch.CfnAlarm[] {
  const common = {
    treatMissingData: 'notBreaching',
    alarmActions: [target],
    okActions: [target],
  };
  const apiDimensions = [
    { name: 'ApiName', value: Fn.sub('${AWS::StackName}-api') },
    { name: 'Stage', value: s.stage },
  ];
  const alarm = (id: string, props: cloudwatch.CfnAlarmProps) =>
    named(new cloudwatch.CfnAlarm(stack, id, { ...props, ...common }), id);
  // One metric per part, summed by an expression.
  const sum = (label: string, parts: { id: string; namespace: string; dimensions: { name: string; value: string }[] }[]) => [
    ...parts.map((part) => ({
      id: part.id,
      returnData: false,
      metricStat: {
        stat: 'Sum',
        period: 300,
        metric: { namespace: part.namespace, metricName: label, dimensions: part.dimensions },
      },
    })),
    { id: 'total', expression: 'SUM(METRICS())', label, returnData: true },
  ];
  const perOperation = (metric: string) => sum(metric, TABLE_OPERATIONS.map((operation) => ({
    id: operation[0].toLowerCase() + operation.slice(1),
    namespace: 'AWS/DynamoDB',
    dimensions: [{ name: 'TableName', value: tableName }, { name: 'Operation', value: operation }],
  })));
  const perFunction = (metric: string, groups = GROUPS) => sum(metric, groups.map((group) => ({
    id: group.binary,
    namespace: 'DriveAlive',
    dimensions: [{ name: 'Function', value: Fn.sub(`\${AWS::StackName}-${group.binary}`) }],
  })));
  const once = {
    evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold',
  };
  return [
    alarm('ApiServerErrorsAlarm', {
      alarmDescription: `Drive Alive ${s.stage}: the API answered with 5XX errors`,
      namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions: apiDimensions,
      statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 5,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
    alarm('ApiLatencyAlarm', {
      alarmDescription: `Drive Alive ${s.stage}: the API's p99 latency is above 5 s`,
      namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: apiDimensions,
      extendedStatistic: 'p99', period: 300, evaluationPeriods: 3, datapointsToAlarm: 2,
      threshold: 5000, comparisonOperator: 'GreaterThanThreshold',
    }),
    alarm('TableThrottlesAlarm', {
      alarmDescription: `Drive Alive ${s.stage}: DynamoDB throttled requests to the table`,
      metrics: perOperation('ThrottledRequests'), ...once,
    }),
    alarm('TableSystemErrorsAlarm', {
      alarmDescription: `Drive Alive ${s.stage}: DynamoDB failed requests with its own (5xx) errors`,
      metrics: perOperation('SystemErrors'), ...once,
    }),
    alarm('RateLimitFailOpenAlarm', {
      alarmDescription: `Drive Alive ${s.stage}: rate limits failed open (their counters could not be read or written)`,
      metrics: perFunction('RateLimitFailOpen'), ...once,
    }),
    alarm('EmailsFailedAlarm', {
      alarmDescription: `Drive Alive ${s.stage}: emails (verification, reset, booking notices) could not be sent`,
      // Notices are mailed by the notifications function.
      metrics: perFunction('EmailsFailed', [
        ...GROUPS, ...EVENT_FUNCTIONS.filter((f) => f.binary === 'notifications'),
      ]), ...once,
    }),
    // Payments: Stripe webhook deliveries whose signature did not verify.
    alarm('WebhookSignatureFailuresAlarm', {
      alarmDescription: `Drive Alive ${s.stage}: Stripe webhook deliveries failed signature verification`,
      namespace: 'DriveAlive', metricName: 'WebhookSignatureFailures',
      dimensions: [{ name: 'Function', value: Fn.sub('${AWS::StackName}-bookings') }],
      statistic: 'Sum', period: 300, evaluationPeriods: 1, threshold: 5,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  ];
}

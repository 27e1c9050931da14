// One dashboard: every alarm's state, then the metrics they watch.
import { Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

import { TABLE_OPERATIONS } from './alarms';
import { GROUPS } from './groups';
import { named } from './named';
import { Settings } from './settings';

export function dashboard(stack: Stack, s: Settings, tableName: string, alarms: cloudwatch.CfnAlarm[]): cloudwatch.CfnDashboard {
  const timeSeries = (x: number, y: number, title: string, metrics: unknown[]) => ({
    type: 'metric', x, y, width: 12, height: 6,
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', period: 300, metrics },
  });
  const perFunction = (namespace: string, metric: string, dimension: string, stat: string) =>
    GROUPS.map((g) => [namespace, metric, dimension, `\${AWS::StackName}-${g.binary}`, { stat, label: g.binary }]);
  const api = (metric: string, stat: Record<string, string>) =>
    ['AWS/ApiGateway', metric, 'ApiName', '${AWS::StackName}-api', 'Stage', s.stage, stat];
  const table = (metric: string) => TABLE_OPERATIONS.map((operation) =>
    ['AWS/DynamoDB', metric, 'TableName', '${TableNameForAlarms}', 'Operation', operation, { stat: 'Sum' }]);
  const body = {
    widgets: [
      {
        type: 'alarm', x: 0, y: 0, width: 24, height: 4,
        properties: { title: 'Alarms', alarms: alarms.map((a) => `\${${a.node.id}.Arn}`) },
      },
      timeSeries(0, 4, 'Lambda errors', perFunction('AWS/Lambda', 'Errors', 'FunctionName', 'Sum')),
      timeSeries(12, 4, 'Lambda p99 duration (ms)', perFunction('AWS/Lambda', 'Duration', 'FunctionName', 'p99')),
      timeSeries(0, 10, 'Lambda throttles', perFunction('AWS/Lambda', 'Throttles', 'FunctionName', 'Sum')),
      timeSeries(12, 10, 'API requests, errors and p99 latency', [
        api('Count', { stat: 'Sum' }),
        api('4XXError', { stat: 'Sum' }),
        api('5XXError', { stat: 'Sum' }),
        api('Latency', { stat: 'p99', yAxis: 'right' }),
      ]),
      timeSeries(0, 16, 'DynamoDB throttled requests and system errors',
        [...table('ThrottledRequests'), ...table('SystemErrors')]),
      timeSeries(12, 16, 'Rate limits failed open, emails failed, requests limited', [
        ...perFunction('DriveAlive', 'RateLimitFailOpen', 'Function', 'Sum'),
        ...perFunction('DriveAlive', 'EmailsFailed', 'Function', 'Sum'),
        ...perFunction('DriveAlive', 'RequestsLimited', 'Function', 'Sum'),
      ]),
    ],
  };
  return named(new cloudwatch.CfnDashboard(stack, 'Dashboard', {
    dashboardName: Fn.sub('${AWS::StackName}'),
    dashboardBody: Fn.sub(JSON.stringify(body), { TableNameForAlarms: tableName }),
  }), 'Dashboard');
}

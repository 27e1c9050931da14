// The REST API as SAM's transform of `AWS::Serverless::Api` + the functions' Api events makes
// it: an OpenAPI body (every route to its function's `live` alias, API Gateway's own answers),
// a deployment named after the body's hash, the stage with its throttles and access log, one
// invoke permission per route, and the usage plan.
import { createHash } from 'node:crypto';

import { Aws, Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cfn from 'aws-cdk-lib/aws-cloudformation';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

import { gatewayResponses } from './responses';
import { BuiltGroup } from './group';
import { named } from './named';
import { Settings } from './settings';

export interface Api {
  readonly api: apigateway.CfnRestApi;
  readonly stage: apigateway.CfnStage;
  domain?: apigateway.CfnDomainName;
}

const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatencyMs: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatencyMs: '$context.integration.latency',
  errorType: '$context.error.responseType',
  wafStatus: '$context.waf.status',
  xrayTraceId: '$context.xrayTraceId',
});

// Stage-wide throttling, then tighter limits on the public auth routes (argon2id on every call,
// or mail sent); [path, burst, rate].
const AUTH_LIMITS: ReadonlyArray<readonly [string, number, number]> = [
  ['/api/v1/auth/login', 20, 10],
  ['/api/v1/auth/register/student', 10, 5],
  ['/api/v1/auth/register/instructor', 10, 5],
  ['/api/v1/auth/reset-password', 10, 5],
  ['/api/v1/auth/forgot-password', 10, 5],
  ['/api/v1/auth/resend-verification', 10, 5],
  ['/api/v1/auth/verify', 10, 5],
  ['/api/v1/auth/refresh', 100, 50],
  ['/api/v1/auth/logout', 40, 20],
];

export function restApi(
  stack: Stack,
  s: Settings,
  groups: BuiltGroup[],
  accountReady: cfn.CfnWaitConditionHandle,
  accessLog: logs.CfnLogGroup,
): Api {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { group } of groups) {
    for (const [, method, route] of group.routes) {
      paths[route] = paths[route] ?? {};
      paths[route][method] = {
        'x-amazon-apigateway-integration': {
          httpMethod: 'POST',
          type: 'aws_proxy',
          uri: Fn.sub(`arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${${group.name}FunctionAliaslive}/invocations`),
        },
        responses: {},
      };
    }
  }
  const body = {
    info: { version: '1.0', title: Aws.STACK_NAME },
    openapi: '3.0.1',
    servers: [{
      'x-amazon-apigateway-endpoint-configuration': {
        // With a custom domain the API is reachable only there.
        disableExecuteApiEndpoint: s.domainName !== '',
      },
    }],
    paths,
    'x-amazon-apigateway-gateway-responses': gatewayResponses(s),
  };
  const api = named(new apigateway.CfnRestApi(stack, 'Api', {
    name: Fn.sub('${AWS::StackName}-api'),
    description: 'Drive Alive API',
    parameters: { endpointConfigurationTypes: 'REGIONAL' },
    endpointConfiguration: { types: ['REGIONAL'] },
    body,
  }), 'Api');
  api.addDependency(accountReady);

  // Named after the body's hash, so a changed API is deployed again (as SAM does).
  const bodyHash = () => createHash('sha1').update(JSON.stringify(stack.resolve(body))).digest('hex');
  const deployment = new apigateway.CfnDeployment(stack, 'ApiDeployment', {
    restApiId: api.ref,
    description: Lazy.string({ produce: () => `RestApi deployment id: ${bodyHash()}` }),
  });
  deployment.overrideLogicalId(Lazy.uncachedString({
    produce: () => `ApiDeployment${bodyHash().slice(0, 10)}`,
  }));

  const methodSetting = (resourcePath: string, httpMethod: string, burst: number, rate: number) => ({
    resourcePath, httpMethod, throttlingBurstLimit: burst, throttlingRateLimit: rate,
    metricsEnabled: true, dataTraceEnabled: false, loggingLevel: 'OFF',
  });
  const stage = named(new apigateway.CfnStage(stack, 'ApiStage', {
    restApiId: api.ref,
    deploymentId: deployment.ref,
    stageName: s.stage,
    tracingEnabled: true,
    // Execution logging stays off: its log groups are unencrypted and kept forever.
    methodSettings: [
      methodSetting('/*', '*', 200, 100),
      ...AUTH_LIMITS.map(([route, burst, rate]) =>
        methodSetting(`/${route.replace(/\//g, '~1')}`, 'POST', burst, rate)),
    ],
    accessLogSetting: { destinationArn: accessLog.attrArn, format: ACCESS_LOG_FORMAT },
  }), 'ApiStage');

  for (const { group, alias } of groups) {
    for (const [event, method, route] of group.routes) {
      const id = `${group.name}Function${event}PermissionStage`;
      named(new lambda.CfnPermission(stack, id, {
        action: 'lambda:InvokeFunction',
        functionName: alias.ref,
        principal: 'apigateway.amazonaws.com',
        sourceArn: Fn.sub(
          `arn:aws:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${__ApiId__}/\${__Stage__}/${method.toUpperCase()}${route.replace(/\{[^}]+\}/g, '*')}`,
          { __ApiId__: api.ref, __Stage__: '*' },
        ),
      }), id);
    }
  }

  // Throttle and daily quota for requests with an API key of this plan (none required today).
  named(new apigateway.CfnUsagePlan(stack, 'ApiUsagePlan', {
    usagePlanName: Fn.sub('${AWS::StackName}-default'),
    description: 'Default throttle and quota of the Drive Alive API',
    apiStages: [{ apiId: api.ref, stage: stage.ref }],
    throttle: { burstLimit: 200, rateLimit: 100 },
    quota: { limit: 500000, period: 'DAY' },
  }), 'ApiUsagePlan');
  return { api, stage };
}

// One endpoint group: its function (built by cargo-lambda from the workspace binary, arm64),
// least-privilege role, log group, errors/throttles/duration alarms, and the canary deploy SAM's
// AutoPublishAlias + DeploymentPreference make: a version, the `live` alias API Gateway calls,
// and a CodeDeploy deployment group that shifts 10% for 5 minutes and rolls back on the alarms.
import { createHash } from 'node:crypto';
import * as path from 'node:path';

import { CfnDeletionPolicy, Duration, Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RustFunction } from 'cargo-lambda-cdk';

import { Group } from './groups';
import { Settings } from './settings';
import { named } from './named';

/** The workspace root: its Cargo.toml is the manifest, its target/ the SAM build's. */
export const WORKSPACE = path.resolve(__dirname, '..', '..', '..');

export interface Shared {
  readonly settings: Settings;
  readonly key: kms.CfnKey;
  readonly jwtSecret: secretsmanager.CfnSecret;
  readonly cursorSecret: secretsmanager.CfnSecret;
  readonly stripeSecretKey: secretsmanager.CfnSecret;
  readonly stripeWebhookSecret: secretsmanager.CfnSecret;
  readonly tableName: string;
  readonly tableArn: string;
  readonly indexArn: string;
  readonly alarmTarget: string;
  readonly logGroup: (id: string, name: string) => logs.CfnLogGroup;
  /** The notices queue (notices.ts): its URL for NOTICES_QUEUE_URL, its ARN for the roles. */
  readonly noticesQueueUrl: string;
  readonly noticesQueueArn: string;
}

export interface BuiltGroup {
  readonly group: Group;
  readonly fn: lambda.Function;
  readonly alias: lambda.CfnAlias;
  readonly alarms: cloudwatch.CfnAlarm[];
}

/** SAM's one CodeDeploy application and service role for every function of the stack. */
function codeDeploy(stack: Stack): { app: codedeploy.CfnApplication; role: iam.CfnRole } {
  const existing = stack.node.tryFindChild('ServerlessDeploymentApplication');
  if (existing) {
    return {
      app: existing as codedeploy.CfnApplication,
      role: stack.node.findChild('CodeDeployServiceRole') as iam.CfnRole,
    };
  }
  const app = named(new codedeploy.CfnApplication(stack, 'ServerlessDeploymentApplication', {
    computePlatform: 'Lambda',
  }), 'ServerlessDeploymentApplication');
  const role = named(new iam.CfnRole(stack, 'CodeDeployServiceRole', {
    assumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{
        Action: ['sts:AssumeRole'],
        Effect: 'Allow',
        Principal: { Service: ['codedeploy.amazonaws.com'] },
      }],
    },
    managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda'],
  }), 'CodeDeployServiceRole');
  return { app, role };
}

/** `extraRollbackAlarms`: more alarms (by ref) that roll a canary deploy back. */
export function endpointGroup(
  stack: Stack, shared: Shared, group: Group, extraRollbackAlarms: string[] = [],
): BuiltGroup {
  const s = shared.settings;
  const { name, binary } = group;
  const logGroup = shared.logGroup(`${name}LogGroup`, `/aws/lambda/\${AWS::StackName}-${binary}`);

  const refs = {
    tableArn: shared.tableArn,
    indexArn: shared.indexArn,
    keyArn: shared.key.attrArn,
    jwtSecret: shared.jwtSecret.ref,
    cursorSecret: shared.cursorSecret.ref,
    stripeSecretKey: shared.stripeSecretKey.ref,
    stripeWebhookSecret: shared.stripeWebhookSecret.ref,
    noticesQueueArn: shared.noticesQueueArn,
  };
  const role = named(new iam.CfnRole(stack, `${name}FunctionRole`, {
    assumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }],
    },
    policies: [{
      policyName: binary,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteOwnLogs', Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup.attrArn,
          },
          {
            Sid: 'ActiveTracing', Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
            Resource: '*', // X-Ray has no resource-level permissions
          },
          ...group.statements(refs),
        ],
      },
    }],
  }), `${name}FunctionRole`);

  // The role above is the whole grant: imported immutable, so the L2 function adds nothing.
  const fn = new RustFunction(stack, `${name}Function`, {
    manifestPath: path.join(WORKSPACE, 'Cargo.toml'),
    binaryName: binary,
    architecture: lambda.Architecture.ARM_64,
    runtime: 'provided.al2023',
    functionName: Fn.sub(`\${AWS::StackName}-${binary}`),
    description: group.description,
    role: iam.Role.fromRoleArn(stack, `${name}FunctionRoleArn`, role.attrArn, { mutable: false }),
    memorySize: group.memorySize ?? 256,
    timeout: Duration.seconds(group.timeout ?? 10), // above DEPENDENCY_TIMEOUT_MS, below API Gateway's 29 s
    tracing: lambda.Tracing.ACTIVE,
    loggingFormat: lambda.LoggingFormat.JSON,
    logGroup: logs.LogGroup.fromLogGroupName(stack, `${name}LogGroupName`, logGroup.ref),
    environment: {
      APP_STAGE: s.stage,
      TABLE_NAME: shared.tableName,
      KMS_KEY_ID: shared.key.attrArn,
      JWT_SECRET_ID: shared.jwtSecret.ref,
      CURSOR_SECRET_ID: shared.cursorSecret.ref,
      PUBLIC_URL: s.publicUrl,
      ALLOWED_ORIGINS: s.allowedOrigins,
      // The API's own origin (its docs page); execute-api alone would make a reference cycle.
      API_PUBLIC_URL: s.domainName === '' ? '' : `https://${s.domainName}`,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      DEPENDENCY_TIMEOUT_MS: '3000',
      // lambda_http would otherwise keep the REST stage ("/dev") at the front of the path.
      AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH: 'true',
      SMTP_HOST: s.smtpHost,
      SMTP_PORT: s.smtpPort,
      SMTP_TLS_MODE: s.smtpTlsMode,
      SMTP_FROM: s.smtpFrom,
      NOTICES_QUEUE_URL: shared.noticesQueueUrl,
      ...(group.environment?.(refs) ?? {}),
    },
  });
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  named(cfnFunction, `${name}Function`);

  // A new version whenever the code or the configuration changes (like SAM's AutoPublishAlias).
  const version = new lambda.CfnVersion(stack, `${name}FunctionVersion`, {
    functionName: fn.functionName,
  });
  version.overrideLogicalId(Lazy.uncachedString({
    produce: () => {
      const resolved = stack.resolve([
        cfnFunction.code, cfnFunction.environment, cfnFunction.memorySize, cfnFunction.timeout,
        cfnFunction.runtime, cfnFunction.architectures, cfnFunction.handler,
        cfnFunction.loggingConfig, cfnFunction.tracingConfig, cfnFunction.role,
      ]);
      const hash = createHash('sha256').update(JSON.stringify(resolved)).digest('hex');
      return `${name}FunctionVersion${hash.slice(0, 10)}`;
    },
  }));
  version.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;

  const alarm = (id: string, props: Omit<cloudwatch.CfnAlarmProps, 'namespace' | 'dimensions' | 'treatMissingData' | 'alarmActions' | 'okActions'>) =>
    named(new cloudwatch.CfnAlarm(stack, id, {
      ...props,
      namespace: 'AWS/Lambda',
      dimensions: [{ name: 'FunctionName', value: fn.functionName }],
      treatMissingData: 'notBreaching',
      alarmActions: [shared.alarmTarget],
      okActions: [shared.alarmTarget],
    }), id);
  const [errorsPeriod, throttlesPeriod] = group.alarmPeriods ?? [60, 300];
  // A handler never returns Err, so any Lambda error is a crash or a timeout.
  const errors = alarm(`${name}ErrorsAlarm`, {
    alarmDescription: `Drive Alive ${s.stage}: the ${binary} function failed`,
    metricName: 'Errors', statistic: 'Sum', period: errorsPeriod, evaluationPeriods: 1, threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
  const throttles = alarm(`${name}ThrottlesAlarm`, {
    alarmDescription: `Drive Alive ${s.stage}: Lambda throttled the ${binary} function`,
    metricName: 'Throttles', statistic: 'Sum', period: throttlesPeriod, evaluationPeriods: 1,
    threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
  // p99 above DEPENDENCY_TIMEOUT_MS (3 s): calls wait on a dependency until it times out.
  const duration = group.durationAlarm === false ? undefined : alarm(`${name}DurationAlarm`, {
    alarmDescription: `Drive Alive ${s.stage}: the ${binary} function's p99 duration is above 3 s`,
    metricName: 'Duration', extendedStatistic: 'p99', period: 60, evaluationPeriods: 5,
    datapointsToAlarm: 3, threshold: 3000, comparisonOperator: 'GreaterThanThreshold',
  });
  const rollbackAlarms = [errors.ref, ...(duration ? [duration.ref] : []), ...extraRollbackAlarms];

  const { app, role: deployRole } = codeDeploy(stack);
  const deploymentGroup = named(new codedeploy.CfnDeploymentGroup(stack, `${name}FunctionDeploymentGroup`, {
    applicationName: app.ref,
    alarmConfiguration: { enabled: true, alarms: rollbackAlarms.map((name) => ({ name })) },
    autoRollbackConfiguration: {
      enabled: true,
      events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
    },
    deploymentConfigName: Fn.sub('CodeDeployDefault.Lambda${ConfigName}', {
      ConfigName: 'Canary10Percent5Minutes',
    }),
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    serviceRoleArn: deployRole.attrArn,
  }), `${name}FunctionDeploymentGroup`);

  const alias = named(new lambda.CfnAlias(stack, `${name}FunctionAliaslive`, {
    name: 'live',
    functionName: fn.functionName,
    functionVersion: version.attrVersion,
  }), `${name}FunctionAliaslive`);
  alias.cfnOptions.updatePolicy = {
    codeDeployLambdaAliasUpdate: {
      applicationName: app.ref,
      deploymentGroupName: deploymentGroup.ref,
    },
  };
  return { group, fn, alias, alarms: [errors, throttles, ...(duration ? [duration] : [])] };
}

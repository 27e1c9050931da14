// The Drive Alive stack: the same resources, logical ids and settings as infra/template.yaml
// after the SAM transform, for one stage. The SAM template is the source of truth
// (docs/deploy.md); tests/tests/cdk_parity.rs fails on any difference between the two.
import { App, CfnDeletionPolicy, CfnOutput, CfnResource, Fn, Stack } from 'aws-cdk-lib';
import * as cfn from 'aws-cdk-lib/aws-cloudformation';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';

import { sharedAlarms } from './alarms';
import { restApi } from './api';
import { dashboard } from './dashboard';
import { edge } from './edge';
import { EVENT_FUNCTIONS, GROUPS } from './groups';
import { endpointGroup, Shared } from './group';
import { named } from './named';
import { eventSources, noticesQueues } from './notices';
import { Settings } from './settings';

export class DriveAliveStack extends Stack {
  constructor(app: App, s: Settings) {
    super(app, s.stackName, {
      stackName: s.stackName,
      env: { region: s.region },
      tags: s.tags,
      analyticsReporting: false,
      description:
        'Drive Alive driving-lesson marketplace API (Rust Lambda functions behind API Gateway)',
    });
    const stackName = (suffix: string) => Fn.sub(`\${AWS::StackName}${suffix}`);
    const retention = s.stage === 'prod' ? 365 : 30;

    const key = this.key(s);
    named(new kms.CfnAlias(this, 'KeyAlias', {
      aliasName: `alias/drive-alive-${s.stage}`,
      targetKeyId: key.ref,
    }), 'KeyAlias');

    const table = this.table(s, key);
    const secret = (id: string, suffix: string, what: string) => {
      const created = named(new secretsmanager.CfnSecret(this, id, {
        name: stackName(`/${suffix}`),
        description: `HMAC key that signs Drive Alive ${what}`,
        kmsKeyId: key.ref,
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
      }), id);
      created.cfnOptions.deletionPolicy = CfnDeletionPolicy.DELETE;
      created.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.DELETE;
      return created;
    };
    const jwtSecret = secret('JwtSecret', 'jwt-signing-key', 'access tokens');
    const cursorSecret = secret('CursorSecret', 'cursor-signing-key', 'pagination cursors');
    // Stripe (payments): created empty, the operator puts the values (docs/runbook.md "Stripe
    // keys"); retained, as the webhook secret is Stripe's and not regenerable here.
    const stripeSecret = (id: string, suffix: string, description: string) => {
      const created = named(new secretsmanager.CfnSecret(this, id, {
        name: stackName(`/${suffix}`),
        description,
        kmsKeyId: key.ref,
      }), id);
      created.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
      created.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
      return created;
    };
    const stripeSecretKey = stripeSecret('StripeSecretKey', 'stripe-secret-key',
      'Stripe API secret key (sk_live_... / sk_test_...) the bookings function pays and refunds with');
    const stripeWebhookSecret = stripeSecret('StripeWebhookSecret', 'stripe-webhook-secret',
      'Signing secret (whsec_...) of the Stripe webhook endpoint /api/v1/payments/stripe/webhook');

    // The account-wide role API Gateway writes access logs with (ManageApiGatewayAccount).
    let account: CfnResource | undefined;
    if (s.manageApiGatewayAccount) {
      const role = named(new iam.CfnRole(this, 'ApiGatewayCloudWatchRole', {
        assumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Allow',
            Principal: { Service: 'apigateway.amazonaws.com' },
            Action: 'sts:AssumeRole',
          }],
        },
        managedPolicyArns: [
          Fn.sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        ],
      }), 'ApiGatewayCloudWatchRole');
      role.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
      role.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
      account = named(new apigateway.CfnAccount(this, 'ApiGatewayAccount', {
        cloudWatchRoleArn: role.attrArn,
      }), 'ApiGatewayAccount');
    }
    const accountReady = named(new cfn.CfnWaitConditionHandle(this, 'ApiGatewayAccountReady'),
      'ApiGatewayAccountReady');
    accountReady.addMetadata('AccountSetting', account ? account.ref : 'none');

    const logGroup = (id: string, name: string) => {
      const group = named(new logs.CfnLogGroup(this, id, {
        logGroupName: Fn.sub(name),
        retentionInDays: retention,
        kmsKeyId: key.attrArn,
      }), id);
      group.cfnOptions.deletionPolicy = CfnDeletionPolicy.DELETE;
      group.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.DELETE;
      return group;
    };
    const accessLog = logGroup('ApiAccessLogGroup', '/aws/apigateway/${AWS::StackName}/access');

    // Alarms notify the given topic, else the stack's own; AlarmEmail subscribes to it.
    let alarmTarget = s.alarmTopicArn;
    if (s.alarmTopicArn === '') {
      const topic = named(new sns.CfnTopic(this, 'AlarmTopic', {
        topicName: stackName('-alarms'),
        kmsMasterKeyId: key.ref,
      }), 'AlarmTopic');
      alarmTarget = topic.ref;
    }
    if (s.alarmEmail !== '') {
      named(new sns.CfnSubscription(this, 'AlarmEmailSubscription', {
        protocol: 'email',
        endpoint: s.alarmEmail,
        topicArn: alarmTarget,
      }), 'AlarmEmailSubscription');
    }

    const tableName = s.tableNameOverride === '' ? table.ref : s.tableNameOverride;
    const tableArn = s.tableNameOverride === ''
      ? table.attrArn
      : Fn.sub(`arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${s.tableNameOverride}`);
    const indexArn = s.tableNameOverride === ''
      ? Fn.sub('${Table.Arn}/index/*')
      : Fn.sub(`arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${s.tableNameOverride}/index/*`);

    const notices = noticesQueues(this, s, key, alarmTarget);
    const shared: Shared = {
      settings: s, key, jwtSecret, cursorSecret, stripeSecretKey, stripeWebhookSecret, tableName,
      tableArn, indexArn, alarmTarget, logGroup, noticesQueueUrl: notices.queue.ref,
      noticesQueueArn: notices.queue.attrArn,
    };
    const groups = GROUPS.map((group) => endpointGroup(this, shared, group));
    // The event-driven functions: no routes; notifications also rolls back on its dead letters.
    const [notifications, jobs] = EVENT_FUNCTIONS.map((group) => endpointGroup(
      this, shared, group, group.binary === 'notifications' ? [notices.deadLetterAlarm.ref] : [],
    ));
    eventSources(this, notices.queue, notifications, jobs);
    (this.node.findChild('NotificationsFunctionRole') as iam.CfnRole).addMetadata('checkov', {
      skip: [{
        id: 'CKV_AWS_111',
        comment: 'SMS to a phone number (sns:Publish with PhoneNumber) has no resource ARN, so its '
          + 'Resource can only be "*"; the statement NoTopicPublish denies publishing to every '
          + 'topic ARN, which leaves phone numbers only. checkov does not read the Deny.',
      }],
    });
    const api = restApi(this, s, groups, accountReady, accessLog);
    edge(this, s, api);
    const alarms = sharedAlarms(this, s, tableName, alarmTarget);
    dashboard(this, s, tableName, [...alarms, ...groups.flatMap((g) => g.alarms)]);

    // Outputs may share a resource's logical id (AlarmTopic, Dashboard), not its construct id.
    const output = (id: string, description: string, value: string) =>
      named(new CfnOutput(this, `${id}Output`, { description, value }), id);
    output('ApiUrl', 'Base URL of the API (on DomainName when it is set, else on execute-api)',
      s.domainName !== ''
        ? `https://${s.domainName}/api/v1`
        : Fn.sub(`https://\${Api}.execute-api.\${AWS::Region}.amazonaws.com/${s.stage}/api/v1`));
    if (api.domain) {
      output('ApiDomainTarget',
        'Host name to point DomainName\'s DNS record at (CNAME, or a Route 53 alias)',
        api.domain.attrRegionalDomainName);
      output('ApiDomainHostedZoneId',
        'Route 53 hosted zone of ApiDomainTarget, for an alias record instead of a CNAME',
        api.domain.attrRegionalHostedZoneId);
    }
    output('AlarmTopic', 'The SNS topic every alarm notifies', alarmTarget);
    output('Dashboard', 'The CloudWatch dashboard of the stack',
      Fn.sub('https://console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards:name=${Dashboard}'));
    output('TableName', 'The DynamoDB table the functions use', tableName);
    output('StackTableName', 'The stack\'s own (retained) table', table.ref);
    output('KmsKeyArn', 'The data key', key.attrArn);
  }

  private key(s: Settings): kms.CfnKey {
    const viaService = (sid: string, service: string) => ({
      Sid: sid,
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*',
        'kms:CreateGrant', 'kms:DescribeKey'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:CallerAccount': this.account,
          'kms:ViaService': Fn.sub(`${service}.\${AWS::Region}.amazonaws.com`),
        },
      },
    });
    const key = named(new kms.CfnKey(this, 'Key', {
      description: Fn.sub(`Drive Alive ${s.stage} data key`),
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      enableKeyRotation: true,
      keyPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministers',
            Effect: 'Allow',
            Principal: { AWS: Fn.sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
            Action: 'kms:*',
            Resource: '*',
          },
          viaService('UseThroughDynamoDb', 'dynamodb'),
          viaService('UseThroughSecretsManager', 'secretsmanager'),
          {
            Sid: 'CloudWatchLogsForThisStack',
            Effect: 'Allow',
            Principal: { Service: Fn.sub('logs.${AWS::Region}.amazonaws.com') },
            Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*',
              'kms:Describe*'],
            Resource: '*',
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': [
                  Fn.sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${AWS::StackName}-*'),
                  Fn.sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/apigateway/${AWS::StackName}/*'),
                ],
              },
            },
          },
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': this.account } },
          },
        ],
      },
    }), 'Key');
    key.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    key.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    key.addMetadata('checkov', {
      skip: [{
        id: 'CKV_AWS_33',
        comment: 'The two "*" principals are bound by kms:CallerAccount (this account) and '
          + 'kms:ViaService (DynamoDB, Secrets Manager), as in AWS managed key policies; '
          + 'checkov does not read the conditions.',
      }],
    });
    return key;
  }

  private table(s: Settings, key: kms.CfnKey): dynamodb.CfnTable {
    const attributes = ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'GSI3PK', 'GSI3SK'];
    const keys = (hash: string, range: string) => [
      { attributeName: hash, keyType: 'HASH' },
      { attributeName: range, keyType: 'RANGE' },
    ];
    const table = named(new dynamodb.CfnTable(this, 'Table', {
      billingMode: 'PAY_PER_REQUEST',
      attributeDefinitions: attributes.map((name) => ({ attributeName: name, attributeType: 'S' })),
      keySchema: keys('PK', 'SK'),
      globalSecondaryIndexes: [1, 2, 3].map((n) => ({
        indexName: `GSI${n}`,
        keySchema: keys(`GSI${n}PK`, `GSI${n}SK`),
        projection: { projectionType: 'ALL' },
      })),
      timeToLiveSpecification: { attributeName: 'expires_at', enabled: true },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      sseSpecification: { sseEnabled: true, sseType: 'KMS', kmsMasterKeyId: key.ref },
      deletionProtectionEnabled: s.stage === 'prod',
    }), 'Table');
    table.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    table.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    return table;
  }
}

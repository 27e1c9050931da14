// In front of the stage: the WAF web ACL (per-IP rate limits that answer 429 with the security
// and CORS headers and Retry-After, then AWS's managed rules) and, with a domain name, the
// custom domain (TLS 1.2, regional) whose root maps to the stage.
import { Fn, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';

import { Api } from './api';
import { named } from './named';
import { wafHeaders } from './responses';
import { Settings } from './settings';

export function edge(stack: Stack, s: Settings, api: Api): void {
  const visibility = (metric: string) => ({
    sampledRequestsEnabled: true,
    cloudWatchMetricsEnabled: true,
    metricName: Fn.sub(`\${AWS::StackName}${metric}`),
  });
  const rateLimited = {
    block: {
      customResponse: {
        responseCode: 429,
        customResponseBodyKey: 'rate-limited',
        responseHeaders: wafHeaders(s, '300'),
      },
    },
  };
  const authPath = (searchString: string) => ({
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString,
      textTransformations: [{ priority: 0, type: 'URL_DECODE' }],
    },
  });
  const managed = (name: string, priority: number, group: string, metric: string) => ({
    name, priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
    visibilityConfig: visibility(metric),
  });
  const acl = named(new wafv2.CfnWebACL(stack, 'WebAcl', {
    name: Fn.sub('${AWS::StackName}-api'),
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('-api'),
    customResponseBodies: {
      'rate-limited': {
        contentType: 'APPLICATION_JSON',
        content: '{"type":"https://drivealive.co.za/problems/rate-limited","title":"Too many requests","status":429,"detail":"Too many requests from this address; try again after the time in Retry-After."}',
      },
    },
    rules: [
      // Generous on purpose: many South African mobile users share carrier-NAT addresses.
      {
        name: 'RatePerIp', priority: 0, action: rateLimited,
        statement: {
          rateBasedStatement: { aggregateKeyType: 'IP', evaluationWindowSec: 300, limit: 2000 },
        },
        visibilityConfig: visibility('-rate-per-ip'),
      },
      // The auth routes, with and without the stage in front (execute-api vs custom domain).
      {
        name: 'AuthRatePerIp', priority: 1, action: rateLimited,
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP', evaluationWindowSec: 300, limit: 300,
            scopeDownStatement: {
              orStatement: {
                statements: [authPath('/api/v1/auth/'), authPath(`/${s.stage}/api/v1/auth/`)],
              },
            },
          },
        },
        visibilityConfig: visibility('-auth-rate-per-ip'),
      },
      managed('AmazonIpReputation', 2, 'AWSManagedRulesAmazonIpReputationList', '-ip-reputation'),
      managed('KnownBadInputs', 3, 'AWSManagedRulesKnownBadInputsRuleSet', '-known-bad-inputs'),
    ],
  }), 'WebAcl');
  named(new wafv2.CfnWebACLAssociation(stack, 'WebAclAssociation', {
    resourceArn: Fn.sub('arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${ApiStage}'),
    webAclArn: acl.attrArn,
  }), 'WebAclAssociation');

  if (s.domainName !== '') {
    const domain = named(new apigateway.CfnDomainName(stack, 'ApiDomain', {
      domainName: s.domainName,
      regionalCertificateArn: s.certificateArn,
      endpointConfiguration: { types: ['REGIONAL'] },
      securityPolicy: 'TLS_1_2',
    }), 'ApiDomain');
    named(new apigateway.CfnBasePathMapping(stack, 'ApiBasePathMapping', {
      domainName: domain.ref,
      restApiId: api.api.ref,
      stage: api.stage.ref,
    }), 'ApiBasePathMapping');
    api.domain = domain;
  }
}

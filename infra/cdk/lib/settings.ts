// The settings of one stage: cdk.json's `stages.<stage>` (the same values as samconfig.toml's
// parameter_overrides for that config-env), each overridable with `-c <name>=<value>`. They
// take the place of infra/template.yaml's parameters, and the checks below the place of its
// AllowedPattern constraints and Rules: a stage that SAM would refuse to deploy does not synth.
import { Node } from 'constructs';

export type Stage = 'dev' | 'prod';

export interface Settings {
  readonly stage: Stage;
  readonly stackName: string;
  readonly region: string;
  readonly publicUrl: string;
  readonly allowedOrigins: string;
  readonly webAppOrigin: string;
  readonly domainName: string;
  readonly certificateArn: string;
  readonly alarmEmail: string;
  readonly alarmTopicArn: string;
  readonly smtpHost: string;
  readonly smtpPort: string;
  readonly smtpTlsMode: string;
  readonly smtpFrom: string;
  readonly tableNameOverride: string;
  readonly manageApiGatewayAccount: boolean;
  readonly tags: Record<string, string>;
}

// The template's parameter defaults.
const DEFAULTS = {
  domainName: '',
  certificateArn: '',
  alarmEmail: '',
  alarmTopicArn: '',
  smtpHost: '',
  smtpPort: '587',
  smtpTlsMode: 'starttls',
  smtpFrom: 'no-reply@drivealive.co.za',
  tableNameOverride: '',
  manageApiGatewayAccount: 'true',
};

// infra/template.yaml's AllowedPattern of each parameter that has one.
const PATTERNS: Record<string, RegExp> = {
  publicUrl: /^https:\/\/[^\s,*]+$/,
  allowedOrigins: /^https:\/\/[^\s,*/]+(\s*,\s*https:\/\/[^\s,*/]+)*$/,
  webAppOrigin: /^https:\/\/[^\s,*/]+$/,
  domainName: /^$|^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/,
  certificateArn: /^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[0-9a-f-]+$/,
  alarmEmail: /^$|^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  alarmTopicArn: /^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$/,
  smtpPort: /^[0-9]{1,5}$/,
  smtpTlsMode: /^(starttls|tls|none)$/,
  tableNameOverride: /^$|^[a-zA-Z0-9_.-]{3,255}$/,
  manageApiGatewayAccount: /^(true|false)$/,
};

export function settingsFrom(node: Node): Settings {
  const stage = String(node.tryGetContext('stage') ?? 'dev');
  if (stage !== 'dev' && stage !== 'prod') {
    throw new Error(`stage must be dev or prod, not '${stage}' (cdk synth -c stage=dev)`);
  }
  const stages = node.tryGetContext('stages') ?? {};
  const declared: Record<string, unknown> = { ...DEFAULTS, ...(stages[stage] ?? {}) };
  const value = (name: string): string => {
    const override = node.tryGetContext(name);
    const chosen = override ?? declared[name];
    if (chosen === undefined || chosen === null) {
      throw new Error(`stage ${stage}: no ${name} in cdk.json (context stages.${stage}.${name})`);
    }
    const text = String(chosen);
    const pattern = PATTERNS[name];
    if (pattern && !pattern.test(text)) {
      throw new Error(`stage ${stage}: ${name} '${text}' does not match ${pattern}`);
    }
    return text;
  };
  const settings: Settings = {
    stage,
    stackName: value('stackName'),
    region: value('region'),
    publicUrl: value('publicUrl'),
    allowedOrigins: value('allowedOrigins'),
    webAppOrigin: value('webAppOrigin'),
    domainName: value('domainName'),
    certificateArn: value('certificateArn'),
    alarmEmail: value('alarmEmail'),
    alarmTopicArn: value('alarmTopicArn'),
    smtpHost: value('smtpHost'),
    smtpPort: value('smtpPort'),
    smtpTlsMode: value('smtpTlsMode'),
    smtpFrom: value('smtpFrom'),
    tableNameOverride: value('tableNameOverride'),
    manageApiGatewayAccount: value('manageApiGatewayAccount') === 'true',
    tags: (declared.tags as Record<string, string>) ?? {},
  };
  const refused = refusals(settings);
  if (refused.length > 0) {
    throw new Error(`stage ${stage} cannot be deployed:\n  ${refused.join('\n  ')}`);
  }
  return settings;
}

/** infra/template.yaml's Rules, for these settings. */
export function refusals(s: Settings): string[] {
  const refused: string[] = [];
  if (s.stage === 'prod' && s.domainName === '') {
    refused.push('prod needs domainName (the API\'s host on the web app\'s site).');
  }
  if (s.domainName !== '' && s.certificateArn === '') {
    refused.push('domainName needs certificateArn (an ACM certificate in this region).');
  }
  if (s.stage === 'prod' && s.alarmEmail === '' && s.alarmTopicArn === '') {
    refused.push('prod needs alarmEmail or alarmTopicArn, so that alarms reach someone.');
  }
  if (s.stage === 'prod' && s.smtpTlsMode === 'none') {
    refused.push('smtpTlsMode none is not allowed in prod.');
  }
  return refused;
}

// The endpoint groups: one function each, with its binary, routes (the SAM template's Events,
// by the same names, so the permissions get the same logical ids) and the statements of its
// least-privilege role beyond its own log group and X-Ray, which every group has.
import { Fn } from 'aws-cdk-lib';

/** What a group's statements may refer to. */
export interface Refs {
  readonly tableArn: string;
  readonly indexArn: string;
  readonly keyArn: string;
  readonly jwtSecret: string;
  readonly cursorSecret: string;
  readonly noticesQueueArn: string;
  readonly stripeSecretKey: string;
  readonly stripeWebhookSecret: string;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

export interface Group {
  /** Logical id prefix: `<name>Function`, `<name>FunctionRole`, `<name>LogGroup`, ... */
  readonly name: string;
  /** The workspace binary (`[[bin]]` / package name). */
  readonly binary: string;
  readonly description: string;
  readonly memorySize?: number;
  /** [event name, method, path]; `options` routes are the CORS preflights. */
  readonly routes: ReadonlyArray<readonly [string, Method, string]>;
  readonly statements: (refs: Refs) => Record<string, unknown>[];
  /** Seconds; 10 (above DEPENDENCY_TIMEOUT_MS, below API Gateway's 29 s) unless set. */
  readonly timeout?: number;
  /** Event-driven functions have no p99 duration alarm (their runs are batches). */
  readonly durationAlarm?: boolean;
  /** Periods (s) of the errors and throttles alarms; 60 and 300 unless set. */
  readonly alarmPeriods?: readonly [number, number];
  /** Variables of this function only, beside the ones every function has. */
  readonly environment?: (refs: Refs) => Record<string, string>;
}

// Bound to the SMTP password's encryption context (shared/src/envelope.rs).
const SMTP_PASSWORD = {
  StringEquals: {
    'kms:EncryptionContext:purpose': 'smtp-password',
    'kms:EncryptionContext:record': 'SETTINGS#SMTP',
  },
};

const readWriteTable = (refs: Refs, actions: string[]) => ({
  Sid: 'ReadWriteTable', Effect: 'Allow', Action: actions.map((a) => `dynamodb:${a}`),
  Resource: refs.tableArn,
});
const queryIndexes = (refs: Refs) => ({
  Sid: 'QueryIndexes', Effect: 'Allow', Action: 'dynamodb:Query', Resource: refs.indexArn,
});
const readSigningKeys = (refs: Refs) => ({
  Sid: 'ReadSigningKeys', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue',
  Resource: [refs.jwtSecret, refs.cursorSecret],
});
const readSigningKey = (refs: Refs) => ({
  Sid: 'ReadSigningKey', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue',
  Resource: refs.jwtSecret,
});
const openSmtpPassword = (refs: Refs) => ({
  Sid: 'OpenSmtpPassword', Effect: 'Allow', Action: 'kms:Decrypt', Resource: refs.keyArn,
  Condition: SMTP_PASSWORD,
});
// Calendar feed tokens, sealed per user (functions/users/src/calendar.rs).
const sealCalendarFeedTokens = (refs: Refs) => ({
  Sid: 'SealCalendarFeedTokens', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
  Resource: refs.keyArn,
  Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'calendar-feed' } },
});

// Payments: the Stripe API key and the webhook secret (current and previous).
const readStripeSecrets = (refs: Refs) => ({
  Sid: 'ReadStripeSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue',
  Resource: [refs.stripeSecretKey, refs.stripeWebhookSecret],
});
const ITEMS = ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem'];
// Notices: enqueue them. The queue is encrypted with the key, so SQS asks KMS for a data key on
// the caller's behalf.
const enqueueNotices = (refs: Refs) => [
  { Sid: 'EnqueueNotices', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: refs.noticesQueueArn },
  {
    Sid: 'EncryptNoticesThroughSqs', Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: refs.keyArn,
    Condition: { StringEquals: { 'kms:ViaService': Fn.sub('sqs.${AWS::Region}.amazonaws.com') } },
  },
];

export const GROUPS: readonly Group[] = [
  {
    name: 'Health',
    binary: 'health',
    description: 'GET /api/v1/health, /api/v1/health/ready, /api/v1/openapi.json and /api/v1/docs',
    routes: [
      ['Health', 'get', '/api/v1/health'],
      ['Ready', 'get', '/api/v1/health/ready'],
      ['OpenApi', 'get', '/api/v1/openapi.json'],
      ['Docs', 'get', '/api/v1/docs'],
      ['PreflightHealth', 'options', '/api/v1/health'],
      ['PreflightHealthReady', 'options', '/api/v1/health/ready'],
      ['PreflightOpenapiJson', 'options', '/api/v1/openapi.json'],
      ['PreflightDocs', 'options', '/api/v1/docs'],
    ],
    // The three read-only readiness probes.
    statements: (refs) => [
      { Sid: 'ProbeTable', Effect: 'Allow', Action: 'dynamodb:DescribeTable', Resource: refs.tableArn },
      { Sid: 'ProbeKey', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: refs.keyArn },
      { Sid: 'ProbeSecrets', Effect: 'Allow', Action: 'secretsmanager:DescribeSecret', Resource: refs.jwtSecret },
    ],
  },
  {
    name: 'Auth',
    binary: 'auth',
    description: 'POST /api/v1/auth/* (register, verify, login, refresh, logout, password reset)',
    // argon2id (19 MiB, 2 passes) runs on most routes; Lambda's CPU share grows with memory.
    memorySize: 512,
    routes: [
      ['RegisterStudent', 'post', '/api/v1/auth/register/student'],
      ['RegisterInstructor', 'post', '/api/v1/auth/register/instructor'],
      ['Verify', 'post', '/api/v1/auth/verify'],
      ['Login', 'post', '/api/v1/auth/login'],
      ['Refresh', 'post', '/api/v1/auth/refresh'],
      ['Logout', 'post', '/api/v1/auth/logout'],
      ['ForgotPassword', 'post', '/api/v1/auth/forgot-password'],
      ['ResetPassword', 'post', '/api/v1/auth/reset-password'],
      ['ResendVerification', 'post', '/api/v1/auth/resend-verification'],
      ['PreflightAuthRegisterStudent', 'options', '/api/v1/auth/register/student'],
      ['PreflightAuthRegisterInstructor', 'options', '/api/v1/auth/register/instructor'],
      ['PreflightAuthVerify', 'options', '/api/v1/auth/verify'],
      ['PreflightAuthLogin', 'options', '/api/v1/auth/login'],
      ['PreflightAuthRefresh', 'options', '/api/v1/auth/refresh'],
      ['PreflightAuthLogout', 'options', '/api/v1/auth/logout'],
      ['PreflightAuthForgotPassword', 'options', '/api/v1/auth/forgot-password'],
      ['PreflightAuthResetPassword', 'options', '/api/v1/auth/reset-password'],
      ['PreflightAuthResendVerification', 'options', '/api/v1/auth/resend-verification'],
    ],
    // Items only (no Query, so no index ARN), the JWT key, enqueueing notices.
    statements: (refs) => [
      // ConditionCheckItem: a login's transaction checks the credentials it verified are unchanged.
      readWriteTable(refs, [...ITEMS, 'ConditionCheckItem']), readSigningKey(refs), ...enqueueNotices(refs),
    ],
  },
  {
    name: 'Users',
    binary: 'users',
    description: 'GET/PATCH /api/v1/users/me, POST /api/v1/users/me/password, POST /api/v1/users/me/phone/confirm, GET /api/v1/users/me/dashboard, GET /api/v1/users/me/calendar-feed (+ POST /rotate), GET /api/v1/calendar/{feed}',
    routes: [
      ['GetMe', 'get', '/api/v1/users/me'],
      ['PatchMe', 'patch', '/api/v1/users/me'],
      ['ChangePassword', 'post', '/api/v1/users/me/password'],
      ['Dashboard', 'get', '/api/v1/users/me/dashboard'],
      ['ConfirmPhone', 'post', '/api/v1/users/me/phone/confirm'],
      ['GetCalendarFeed', 'get', '/api/v1/users/me/calendar-feed'],
      ['RotateCalendarFeed', 'post', '/api/v1/users/me/calendar-feed/rotate'],
      ['CalendarFeed', 'get', '/api/v1/calendar/{feed}'],
      ['PreflightUsersMe', 'options', '/api/v1/users/me'],
      ['PreflightUsersMePassword', 'options', '/api/v1/users/me/password'],
      ['PreflightUsersMeDashboard', 'options', '/api/v1/users/me/dashboard'],
      ['PreflightUsersMePhoneConfirm', 'options', '/api/v1/users/me/phone/confirm'],
      ['PreflightUsersMeCalendarFeed', 'options', '/api/v1/users/me/calendar-feed'],
      ['PreflightUsersMeCalendarFeedRotate', 'options', '/api/v1/users/me/calendar-feed/rotate'],
      ['PreflightCalendarFeed', 'options', '/api/v1/calendar/{feed}'],
    ],
    statements: (refs) => [
      readWriteTable(refs, ITEMS), queryIndexes(refs), readSigningKey(refs),
      sealCalendarFeedTokens(refs), ...enqueueNotices(refs),
    ],
  },
  {
    name: 'Instructors',
    binary: 'instructors',
    description: 'GET /api/v1/instructors[/nearby|/{id}|/{id}/reviews|/{id}/availability], PATCH /api/v1/instructors/me, GET/PUT /api/v1/instructors/me/time-off',
    routes: [
      ['ListInstructors', 'get', '/api/v1/instructors'],
      ['Nearby', 'get', '/api/v1/instructors/nearby'],
      ['PatchOwnProfile', 'patch', '/api/v1/instructors/me'],
      ['GetOwnTimeOff', 'get', '/api/v1/instructors/me/time-off'],
      ['PutOwnTimeOff', 'put', '/api/v1/instructors/me/time-off'],
      ['GetInstructor', 'get', '/api/v1/instructors/{id}'],
      ['ListReviews', 'get', '/api/v1/instructors/{id}/reviews'],
      ['Availability', 'get', '/api/v1/instructors/{id}/availability'],
      ['PreflightInstructors', 'options', '/api/v1/instructors'],
      ['PreflightInstructorsNearby', 'options', '/api/v1/instructors/nearby'],
      ['PreflightInstructorsMe', 'options', '/api/v1/instructors/me'],
      ['PreflightInstructorsMeTimeOff', 'options', '/api/v1/instructors/me/time-off'],
      ['PreflightInstructorsId', 'options', '/api/v1/instructors/{id}'],
      ['PreflightInstructorsIdReviews', 'options', '/api/v1/instructors/{id}/reviews'],
      ['PreflightInstructorsIdAvailability', 'options', '/api/v1/instructors/{id}/availability'],
    ],
    statements: (refs) => [
      readWriteTable(refs, ['GetItem', 'BatchGetItem', 'Query', 'UpdateItem']),
      queryIndexes(refs),
      readSigningKeys(refs),
    ],
  },
  {
    name: 'Bookings',
    binary: 'bookings',
    description: 'GET/POST /api/v1/bookings, GET /api/v1/bookings/{id}, POST /api/v1/bookings/{id}/(confirm|complete|cancel|review|reschedule|payment), POST /api/v1/payments/stripe/webhook',
    routes: [
      ['CreateBooking', 'post', '/api/v1/bookings'],
      ['ListBookings', 'get', '/api/v1/bookings'],
      ['GetBooking', 'get', '/api/v1/bookings/{id}'],
      ['Confirm', 'post', '/api/v1/bookings/{id}/confirm'],
      ['Complete', 'post', '/api/v1/bookings/{id}/complete'],
      ['Cancel', 'post', '/api/v1/bookings/{id}/cancel'],
      ['Review', 'post', '/api/v1/bookings/{id}/review'],
      ['Reschedule', 'post', '/api/v1/bookings/{id}/reschedule'],
      ['PayBooking', 'post', '/api/v1/bookings/{id}/payment'],
      // Stripe's webhook: public (no token; the Stripe-Signature is the authentication).
      ['StripeWebhook', 'post', '/api/v1/payments/stripe/webhook'],
      ['PreflightBookings', 'options', '/api/v1/bookings'],
      ['PreflightBookingsId', 'options', '/api/v1/bookings/{id}'],
      ['PreflightBookingsIdConfirm', 'options', '/api/v1/bookings/{id}/confirm'],
      ['PreflightBookingsIdComplete', 'options', '/api/v1/bookings/{id}/complete'],
      ['PreflightBookingsIdCancel', 'options', '/api/v1/bookings/{id}/cancel'],
      ['PreflightBookingsIdReview', 'options', '/api/v1/bookings/{id}/review'],
      ['PreflightBookingsIdReschedule', 'options', '/api/v1/bookings/{id}/reschedule'],
      ['PreflightBookingsIdPayment', 'options', '/api/v1/bookings/{id}/payment'],
      ['PreflightPaymentsStripeWebhook', 'options', '/api/v1/payments/stripe/webhook'],
    ],
    statements: (refs) => [
      // ConditionCheckItem: a reschedule keeping its status checks the instructor's time off.
      readWriteTable(refs, [...ITEMS, 'ConditionCheckItem']), queryIndexes(refs),
      readSigningKeys(refs), readStripeSecrets(refs), ...enqueueNotices(refs),
    ],
    environment: (refs) => ({
      STRIPE_SECRET_KEY_ID: refs.stripeSecretKey,
      STRIPE_WEBHOOK_SECRET_ID: refs.stripeWebhookSecret,
    }),
  },
  {
    name: 'Admin',
    binary: 'admin',
    description: '/api/v1/admin/* (admins, users, instructor verification, SMTP settings, audit log, stats)',
    routes: [
      ['CreateAdmin', 'post', '/api/v1/admin/admins'],
      ['ListUsers', 'get', '/api/v1/admin/users'],
      ['SuspendUser', 'post', '/api/v1/admin/users/{id}/suspend'],
      ['ReactivateUser', 'post', '/api/v1/admin/users/{id}/reactivate'],
      ['VerifyInstructor', 'post', '/api/v1/admin/instructors/{id}/verify'],
      ['RejectInstructor', 'post', '/api/v1/admin/instructors/{id}/reject'],
      ['GetSmtpSettings', 'get', '/api/v1/admin/smtp-settings'],
      ['PutSmtpSettings', 'put', '/api/v1/admin/smtp-settings'],
      ['TestSmtpSettings', 'post', '/api/v1/admin/smtp-settings/test'],
      ['AuditLog', 'get', '/api/v1/admin/audit-log'],
      ['Stats', 'get', '/api/v1/admin/stats'],
      ['PreflightAdminAdmins', 'options', '/api/v1/admin/admins'],
      ['PreflightAdminUsers', 'options', '/api/v1/admin/users'],
      ['PreflightAdminUsersIdSuspend', 'options', '/api/v1/admin/users/{id}/suspend'],
      ['PreflightAdminUsersIdReactivate', 'options', '/api/v1/admin/users/{id}/reactivate'],
      ['PreflightAdminInstructorsIdVerify', 'options', '/api/v1/admin/instructors/{id}/verify'],
      ['PreflightAdminInstructorsIdReject', 'options', '/api/v1/admin/instructors/{id}/reject'],
      ['PreflightAdminSmtpSettings', 'options', '/api/v1/admin/smtp-settings'],
      ['PreflightAdminSmtpSettingsTest', 'options', '/api/v1/admin/smtp-settings/test'],
      ['PreflightAdminAuditLog', 'options', '/api/v1/admin/audit-log'],
      ['PreflightAdminStats', 'options', '/api/v1/admin/stats'],
    ],
    // No deletes; Query on the indexes only; GenerateDataKey to seal the SMTP password.
    statements: (refs) => [
      readWriteTable(refs, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem']),
      queryIndexes(refs),
      readSigningKeys(refs),
      {
        Sid: 'SealAndOpenSmtpPassword', Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: refs.keyArn,
        Condition: SMTP_PASSWORD,
      },
    ],
  },
];

/** The event-driven functions (no routes): the notices consumer and the scheduled jobs. */
export const EVENT_FUNCTIONS: readonly Group[] = [
  {
    name: 'Notifications',
    binary: 'notifications',
    description: 'Sends the notices of the notices queue by email (SMTP) and SMS (SNS)',
    routes: [],
    timeout: 30, // a batch of 5, each at most two channels within the dependency timeout
    durationAlarm: false,
    statements: (refs) => [
      {
        Sid: 'ConsumeNotices', Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes',
          'sqs:ChangeMessageVisibility'],
        Resource: refs.noticesQueueArn,
      },
      {
        Sid: 'DecryptNoticesThroughSqs', Effect: 'Allow', Action: 'kms:Decrypt', Resource: refs.keyArn,
        Condition: { StringEquals: { 'kms:ViaService': Fn.sub('sqs.${AWS::Region}.amazonaws.com') } },
      },
      // Receipts are read with a Query on the table itself (one partition per notice).
      readWriteTable(refs, ['GetItem', 'PutItem', 'DeleteItem', 'Query']),
      openSmtpPassword(refs),
      // SNS Publish to a phone number has no resource; denying every topic ARN leaves only that.
      { Sid: 'SendSms', Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
      {
        Sid: 'NoTopicPublish', Effect: 'Deny', Action: 'sns:Publish',
        Resource: Fn.sub('arn:${AWS::Partition}:sns:*:*:*'),
      },
    ],
  },
  {
    name: 'Jobs',
    binary: 'jobs',
    description: 'Every 15 minutes, reminders, pending-booking and unverified-account clean-up, outbox re-enqueue',
    routes: [],
    timeout: 60, // a page of each job per run
    durationAlarm: false,
    alarmPeriods: [900, 900],
    statements: (refs) => [
      readWriteTable(refs, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']),
      queryIndexes(refs),
      // Refunds of the paid bookings it cancels: the Stripe API key only (it verifies no webhook).
      { Sid: 'ReadStripeSecretKey', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: refs.stripeSecretKey },
      ...enqueueNotices(refs),
    ],
    // A system cancellation of a paid booking refunds it in full (shared/src/payments).
    environment: (refs) => ({
      STRIPE_SECRET_KEY_ID: refs.stripeSecretKey,
      STRIPE_WEBHOOK_SECRET_ID: refs.stripeWebhookSecret,
    }),
  },
];

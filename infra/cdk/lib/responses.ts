// API Gateway's own answers (unknown route, throttled, timeouts, WAF blocks, ...): the
// functions' security headers (shared/src/http/security_headers.rs), CORS for the web app's one
// origin with credentials, an RFC 9457 problem body, and on 429 when to retry.
import { Settings } from './settings';

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
  'x-xss-protection': '0',
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
};

/** The security headers as WAF custom-response headers (no quoting). */
export function wafHeaders(s: Settings, retryAfter: string): { name: string; value: string }[] {
  return [
    ...Object.entries(SECURITY_HEADERS).map(([name, value]) => ({ name, value })),
    { name: 'access-control-allow-origin', value: s.webAppOrigin },
    { name: 'access-control-allow-credentials', value: 'true' },
    { name: 'vary', value: 'Origin' },
    { name: 'retry-after', value: retryAfter },
  ];
}

const INTERNAL = ['internal', 'Internal server error', 'Something went wrong on our side; quote the request_id if you contact us.'];
const FORBIDDEN = ['forbidden', 'Forbidden', 'You are not allowed to do this.'];
const NOT_FOUND = ['not-found', 'Not found', 'There is nothing at this address.'];

// [response type, status, problem type, title, detail, extra headers]
const RESPONSES: ReadonlyArray<readonly [string, number, string[], Record<string, string>?]> = [
  ['DEFAULT_4XX', 400, ['bad-request', 'Bad request', 'The request could not be handled.']],
  ['DEFAULT_5XX', 500, INTERNAL],
  ['ACCESS_DENIED', 403, FORBIDDEN],
  ['API_CONFIGURATION_ERROR', 500, INTERNAL],
  ['AUTHORIZER_CONFIGURATION_ERROR', 500, INTERNAL],
  ['AUTHORIZER_FAILURE', 500, INTERNAL],
  ['BAD_REQUEST_BODY', 400, ['bad-request', 'Bad request', 'The request body could not be read.']],
  ['BAD_REQUEST_PARAMETERS', 400, ['bad-request', 'Bad request', 'The request parameters could not be read.']],
  ['EXPIRED_TOKEN', 403, FORBIDDEN],
  ['INTEGRATION_FAILURE', 502, ['bad-gateway', 'Bad gateway', 'The service did not answer properly; quote the request_id if you contact us.']],
  ['INTEGRATION_TIMEOUT', 504, ['gateway-timeout', 'Gateway timeout', 'The service did not answer in time; try again later.']],
  ['INVALID_API_KEY', 403, FORBIDDEN],
  ['INVALID_SIGNATURE', 403, FORBIDDEN],
  // API Gateway reports an unknown route as MISSING_AUTHENTICATION_TOKEN: it is a 404.
  ['MISSING_AUTHENTICATION_TOKEN', 404, NOT_FOUND],
  ['QUOTA_EXCEEDED', 429, ['rate-limited', 'Too many requests', 'The request quota is used up; try again after the time in Retry-After.'], { 'retry-after': '3600' }],
  ['REQUEST_TOO_LARGE', 413, ['payload-too-large', 'Payload too large', 'The request is too large.']],
  ['RESOURCE_NOT_FOUND', 404, NOT_FOUND],
  ['THROTTLED', 429, ['rate-limited', 'Too many requests', 'Too many requests; try again after the time in Retry-After.'], { 'retry-after': '1' }],
  ['UNAUTHORIZED', 401, ['unauthorized', 'Not authenticated', 'Authentication is required.'], { 'www-authenticate': 'Bearer realm="drive-alive"' }],
  ['UNSUPPORTED_MEDIA_TYPE', 415, ['unsupported-media-type', 'Unsupported media type', 'This address does not accept this content type.']],
  ['WAF_FILTERED', 403, ['forbidden', 'Forbidden', 'The request was blocked.']],
];

/** The OpenAPI body's `x-amazon-apigateway-gateway-responses`, as SAM writes it. */
export function gatewayResponses(s: Settings): Record<string, unknown> {
  const quoted = (value: string) => `'${value}'`;
  return Object.fromEntries(RESPONSES.map(([type, status, [problem, title, detail], extra]) => {
    const headers: Record<string, string> = {
      ...Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([n, v]) => [n, quoted(v)])),
      'content-type': quoted('application/problem+json'),
      'x-request-id': 'context.requestId',
      'access-control-allow-origin': quoted(s.webAppOrigin),
      'access-control-allow-credentials': quoted('true'),
      vary: quoted('Origin'),
      ...Object.fromEntries(Object.entries(extra ?? {}).map(([n, v]) => [n, quoted(v)])),
    };
    const problem_body = `{"type":"https://drivealive.co.za/problems/${problem}","title":"${title}","status":${status},"detail":"${detail}","request_id":"$context.requestId"}`;
    return [type, {
      responseParameters: Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [`gatewayresponse.header.${name}`, value])),
      responseTemplates: { 'application/json': problem_body },
      statusCode: String(status),
    }];
  }));
}

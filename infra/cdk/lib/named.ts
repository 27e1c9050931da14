import { CfnElement } from 'aws-cdk-lib';

/** Gives a construct's CloudFormation element the logical id the SAM template uses. */
export function named<T extends CfnElement>(element: T, logicalId: string): T {
  element.overrideLogicalId(logicalId);
  return element;
}

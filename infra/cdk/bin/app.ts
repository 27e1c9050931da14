#!/usr/bin/env node
// The Drive Alive stack for one stage: `cdk synth -c stage=dev|prod` (settings in cdk.json).
import { App } from 'aws-cdk-lib';

import { Settings, settingsFrom } from '../lib/settings';
import { DriveAliveStack } from '../lib/stack';

const app = new App();
let settings: Settings;
try {
  settings = settingsFrom(app.node);
} catch (error) {
  // A refused stage is the operator's input, not a bug: its reasons without a stack trace.
  process.stderr.write(`drive-alive: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
new DriveAliveStack(app, settings);
app.synth();

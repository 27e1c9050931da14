#!/usr/bin/env node
// The Drive Alive stack for one stage: `cdk synth -c stage=dev|prod` (settings in cdk.json).
import { App } from 'aws-cdk-lib';

import { settingsFrom } from '../lib/settings';
import { DriveAliveStack } from '../lib/stack';

const app = new App();
new DriveAliveStack(app, settingsFrom(app.node));
app.synth();

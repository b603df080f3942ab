import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { awsError } from '../transport';

/** A CloudWatch error of `name`, as the SDK raises it. */
export const cloudwatchFault = (name: string, message: string) =>
  awsError(cloudwatchSdk, 'CloudWatchServiceException', name, message);

export const invalid = (message: string) => cloudwatchFault('InvalidParameterValueException', message);

export const combination = (message: string) => cloudwatchFault('InvalidParameterCombinationException', message);

export const missingParameter = (name: string) =>
  cloudwatchFault('MissingRequiredParameterException', `The parameter ${name} is required.`);

/**
 * CloudFormation's and IAM's quotas, checked on synthesized templates: what `cdk synth` does not check and a
 * deployment would fail on. Sizes are IAM's (JSON without whitespace), with every intrinsic replaced by the longest
 * value it may take, so that a template within these is within the quotas once deployed.
 */

/** CloudFormation: resources per stack, and the size of a template uploaded through S3. */
export const STACK_QUOTAS = { resources: 500, templateBytes: 1_000_000 } as const;
/** IAM: the inline policies of a role together, managed policies per role, and one managed policy. */
export const IAM_QUOTAS = { roleInlineChars: 10_240, managedPerRole: 10, managedPolicyChars: 6_144 } as const;

type Json = unknown;
interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, Resource>;
}

/** The longest a reference may resolve to: pseudo parameters by what they are, any other resource's ARN or name 128. */
function referenceLength(ref: string): number {
  const pseudo: Record<string, number> = {
    'AWS::Partition': 'aws-iso-b'.length,
    'AWS::Region': 'ap-southeast-4'.length,
    'AWS::AccountId': 12,
    'AWS::URLSuffix': 'amazonaws.com.cn'.length,
  };
  return pseudo[ref] ?? 128;
}

/** A policy document with every intrinsic replaced by a string of the longest length it may resolve to. */
export function worstCase(value: Json): Json {
  if (Array.isArray(value)) return value.map(worstCase);
  if (typeof value !== 'object' || value === null) return value;
  const node = value as Record<string, Json>;
  if (typeof node.Ref === 'string') return 'x'.repeat(referenceLength(node.Ref));
  if (Array.isArray(node['Fn::GetAtt'])) return 'x'.repeat(128);
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, parts] = node['Fn::Join'] as [string, Json[]];
    return parts.map((part) => worstCase(part)).join(delimiter);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, worstCase(v)]));
}

/** The size IAM counts for a policy document: its JSON without whitespace. */
export function policyChars(document: Json): number {
  return JSON.stringify(worstCase(document)).length;
}

/** Every quota a template breaks, one line each; empty when it is within all of them. */
export function quotaProblems(name: string, template: CfnTemplate): string[] {
  const problems: string[] = [];
  const resources = Object.entries(template.Resources);
  const bytes = Buffer.byteLength(JSON.stringify(template));
  if (resources.length >= STACK_QUOTAS.resources) problems.push(`${name}: ${resources.length} resources`);
  if (bytes >= STACK_QUOTAS.templateBytes) problems.push(`${name}: a template of ${bytes} bytes`);
  const inline = new Map<string, number>();
  for (const [id, resource] of resources) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      const policies = (properties.Policies as { PolicyDocument: Json }[] | undefined) ?? [];
      inline.set(id, (inline.get(id) ?? 0) + policies.reduce((sum, p) => sum + policyChars(p.PolicyDocument), 0));
      const managed = (properties.ManagedPolicyArns as Json[] | undefined) ?? [];
      if (managed.length > IAM_QUOTAS.managedPerRole)
        problems.push(`${name} ${id}: ${managed.length} managed policies`);
    }
    if (resource.Type === 'AWS::IAM::Policy') {
      for (const role of (properties.Roles as { Ref: string }[] | undefined) ?? []) {
        inline.set(role.Ref, (inline.get(role.Ref) ?? 0) + policyChars(properties.PolicyDocument));
      }
    }
    if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      const chars = policyChars(properties.PolicyDocument);
      if (chars > IAM_QUOTAS.managedPolicyChars)
        problems.push(`${name} ${id}: a managed policy of ${chars} characters`);
    }
  }
  for (const [role, chars] of inline) {
    if (chars > IAM_QUOTAS.roleInlineChars) problems.push(`${name} ${role}: inline policies of ${chars} characters`);
  }
  return problems;
}

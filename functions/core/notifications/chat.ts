import * as z from 'zod';
import { rolloutLinks } from './links';
import { cut } from './subject';

/**
 * The chat form of a notification: the custom notification format of Amazon Q Developer in chat applications
 * (formerly AWS Chatbot), which renders it in a Slack or Microsoft Teams channel subscribed to the topic. AWS
 * documents `version` ("1.0") and `source` ("custom") as required, `content.description` as the text, the rest as
 * optional, and `client-markdown` as the only `textType` (rendered in the chat platform's own markdown).
 * The lengths below are Rollout Pilot's own bounds, kept so that every client shows a message whole: a Slack
 * section shows at most 3,000 characters of text.
 */
export const CHAT_LIMITS = {
  title: 250,
  description: 3000,
  nextSteps: 10,
  nextStep: 500,
  keywords: 10,
  keyword: 60,
  threadId: 128,
  summary: 250,
} as const;

const text = (max: number) => z.string().min(1).max(max);

export const ChatNotificationSchema = z.strictObject({
  version: z.literal('1.0').describe('The format version; AWS requires "1.0".'),
  source: z.literal('custom').describe('AWS requires "custom" for custom notifications.'),
  id: z.string().min(1).max(256).optional().describe('A unique event identifier: the notificationId of the message.'),
  content: z
    .strictObject({
      textType: z.literal('client-markdown').optional().describe('The only text type AWS supports.'),
      title: text(CHAT_LIMITS.title).optional().describe('One line: icon, service, version, what happened.'),
      description: text(CHAT_LIMITS.description).describe('What happened, the numbers, the decision, the links.'),
      nextSteps: z
        .array(text(CHAT_LIMITS.nextStep))
        .max(CHAT_LIMITS.nextSteps)
        .optional()
        .describe('What to do now, each an exact command where there is one (shown as a list).'),
      keywords: z
        .array(text(CHAT_LIMITS.keyword))
        .max(CHAT_LIMITS.keywords)
        .optional()
        .describe('Shown as tags: service, version, event, outcome.'),
    })
    .describe('What the channel shows.'),
  metadata: z
    .strictObject({
      threadId: text(CHAT_LIMITS.threadId)
        .optional()
        .describe('The same for every message of one rollout, so that a channel threads them.'),
      summary: text(CHAT_LIMITS.summary).optional().describe('The one-line summary (the SNS subject).'),
      eventType: z
        .string()
        .regex(/^[a-zA-Z0-9-]{1,100}$/)
        .optional()
        .describe('The event, in the pattern a custom action button matches (`NotificationType`).'),
      relatedResources: z.array(z.string().min(1)).optional().describe('The execution ARN.'),
      additionalContext: z
        .record(z.string(), z.string())
        .optional()
        .describe('service, version, rollout and outcome, for custom actions and other subscribers.'),
    })
    .optional(),
});
export type ChatNotification = z.output<typeof ChatNotificationSchema>;

/** What one notification says in a channel, before the links and the thread every message of a rollout carries. */
export interface ChatDraft {
  /** ✅ ❌ ⛔ ⏸️ ⚠️ ↩️ */
  icon: string;
  /** What happened, with the numbers that matter, on one line. */
  headline: string;
  /** Markdown lines: the numbers against the thresholds, the decision, where traffic is. */
  lines: string[];
  /** Exact commands first. */
  nextSteps: string[];
  /** `rolled-back`, `approval-requested`, … */
  eventType: string;
  outcome?: string;
}

/** The rollout a message is about. */
export interface ChatAbout {
  service: string;
  version: string;
  executionArn: string;
}

/** What the deployment knows: the orchestrator's name (the dashboard's), and the message's id when it has one. */
export interface ChatContext {
  orchestrator: string;
  id?: string;
  summary?: string;
}

/** A draft as the custom notification Amazon Q Developer renders, every field within {@link CHAT_LIMITS}. */
export function chatNotification(draft: ChatDraft, about: ChatAbout, context: ChatContext): ChatNotification {
  const rollout = executionName(about.executionArn);
  const links = rolloutLinks(about, context.orchestrator);
  const linkLines = [
    links.execution ? `Execution: ${links.execution}` : `Execution: ${about.executionArn}`,
    ...(links.dashboard ? [`Dashboard: ${links.dashboard}`] : []),
  ];
  const steps = [...draft.nextSteps, `Report: \`${links.report}\``];
  return {
    version: '1.0',
    source: 'custom',
    ...(context.id ? { id: cut(context.id, 256) } : {}),
    content: {
      textType: 'client-markdown',
      title: cut(`${draft.icon} ${about.service} ${about.version}: ${draft.headline}`, CHAT_LIMITS.title),
      description: fitLines(draft.lines, linkLines, CHAT_LIMITS.description),
      nextSteps: steps.slice(0, CHAT_LIMITS.nextSteps).map((s) => cut(s, CHAT_LIMITS.nextStep)),
      keywords: [about.service, about.version, draft.eventType, ...(draft.outcome ? [draft.outcome] : [])]
        .filter((k) => k.trim().length > 0)
        .map((k) => cut(k, CHAT_LIMITS.keyword)),
    },
    metadata: {
      threadId: cut(`rollout-pilot/${about.service}/${rollout}`, CHAT_LIMITS.threadId),
      ...(context.summary?.trim() ? { summary: cut(context.summary, CHAT_LIMITS.summary) } : {}),
      eventType: draft.eventType,
      relatedResources: [about.executionArn],
      additionalContext: {
        service: about.service,
        version: about.version,
        rollout,
        ...(draft.outcome ? { outcome: draft.outcome } : {}),
      },
    },
  };
}

/** The execution's name: the rollout's id. */
export function executionName(executionArn: string): string {
  return executionArn.split(':').at(-1) || executionArn;
}

/** The body's lines, cut from the end when too long, then the links, which are always shown. */
function fitLines(lines: string[], links: string[], max: number): string {
  const tail = `\n\n${links.join('\n')}`;
  const room = max - tail.length;
  const body = lines.join('\n').trim();
  return cut(`${body.length <= room ? body : cut(body, Math.max(room, 1))}${tail}`.trim(), max);
}

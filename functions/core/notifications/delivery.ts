import type { ChatNotification } from './chat';

/**
 * SNS's Publish limit: "at most 256 KB in size (262,144 bytes, not 262,144 characters)", for the whole `Message`,
 * which with `MessageStructure: 'json'` is the JSON object holding every protocol's body.
 */
export const SNS_MESSAGE_MAX_BYTES = 262_144;

/**
 * One Publish for every kind of subscriber (`MessageStructure: 'json'`): `default`, which every protocol without
 * its own key receives (the Amazon Q Developer HTTPS endpoint, SQS, Lambda, HTTP), is the chat notification as
 * JSON; `email` is the plain text, as readable as before; `sms` the one-line subject. When the whole would pass
 * SNS's limit, the plain text is cut (it ends saying where the rest is); the chat form is bounded already.
 */
export function messageStructure(n: { subject: string; message: string; chat: ChatNotification }): string {
  const chat = JSON.stringify(n.chat);
  const build = (email: string) => JSON.stringify({ default: chat, email, sms: n.subject });
  let email = n.message;
  let body = build(email);
  while (utf8Bytes(body) > SNS_MESSAGE_MAX_BYTES && email.length > 0) {
    const over = utf8Bytes(body) - SNS_MESSAGE_MAX_BYTES;
    // A character takes up to 6 bytes once escaped in JSON (\uXXXX): cutting `over / 6` more keeps the loop short.
    email = email.slice(0, Math.max(0, email.length - Math.ceil(over / 6) - TRUNCATED.length - 16));
    if (/[\uD800-\uDBFF]$/.test(email)) email = email.slice(0, -1);
    body = build(`${email}${TRUNCATED}`);
  }
  return body;
}

const TRUNCATED = '\n… (cut to fit SNS; the whole record: rollout-pilot report)';

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

// Chat webhooks: Microsoft Teams (an Adaptive Card in a message, what Teams workflow
// webhooks take), Slack incoming webhooks ({text, blocks}) or a generic JSON body. Every POST
// carries `Idempotency-Key: <uid>/<channel>`, the same for every attempt.
import { DEFAULT_HTTP_TIMEOUT_MS, postJson, type OutboundHttp } from './http.ts';
import type { ChatFormat } from './types.ts';

export interface ChatContent {
  subject: string;
  text: string;
  purpose: string;
  notification: { namespace: string; name: string; uid: string };
  properties: Record<string, unknown>;
  /** The object's page in the approvals console: an "Open" button on Teams and Slack cards. */
  link?: string;
}

export interface SendOptions {
  idempotencyKey: string;
  timeoutMs?: number;
  /** The outbound policy's client (default: the strict policy). */
  outbound?: OutboundHttp;
}

const str = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));

function refLabel(value: unknown): string {
  if (!value || typeof value !== 'object') return '';
  const ref = value as { kind?: unknown; namespace?: unknown; name?: unknown };
  if (!ref.name) return '';
  return `${ref.kind ? `${str(ref.kind)} ` : ''}${ref.namespace ? `${str(ref.namespace)}/` : ''}${str(ref.name)}`;
}

/** The few facts a chat card lists under the text (only those that are known). */
export function chatFacts(properties: Record<string, unknown>): Array<{ title: string; value: string }> {
  const state = properties.state_old && properties.state_old !== properties.state_new ? `${str(properties.state_old)} → ${str(properties.state_new)}` : str(properties.state_new);
  const facts: Array<[string, string]> = [
    ['State', state],
    ['Target', refLabel(properties.target)],
    ['Object', refLabel(properties.subject)],
    ['Requester', str(properties.requester_team)],
    ['Decider', str(properties.decider_team)],
    ['By', str(properties.actor)],
    ['Comment', str(properties.comment)],
  ];
  return facts.filter(([, value]) => value !== '').map(([title, value]) => ({ title, value }));
}

/** Slack's mrkdwn treats &, < and > as control characters (links, mentions such as <!channel>). */
export const escapeSlack = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function teamsPayload(content: ChatContent): Record<string, unknown> {
  return {
    type: 'message',
    summary: clip(content.subject, 150),
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: content.subject, weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'TextBlock', text: content.text.trim(), wrap: true },
            { type: 'FactSet', facts: chatFacts(content.properties) },
          ],
          ...(content.link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open', url: content.link }] } : {}),
        },
      },
    ],
  };
}

export function slackPayload(content: ChatContent): Record<string, unknown> {
  const facts = chatFacts(content.properties);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(content.subject, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escapeSlack(content.text.trim()) || ' ', 3000) } },
  ];
  if (facts.length > 0) {
    blocks.push({ type: 'section', fields: facts.slice(0, 10).map((fact) => ({ type: 'mrkdwn', text: clip(`*${fact.title}*\n${escapeSlack(fact.value)}`, 2000) })) });
  }
  if (content.link) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open', emoji: false }, url: content.link, action_id: 'open' }] });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(`approval-operator · ${content.purpose}`) }] });
  // `text` is what notifications and clients without blocks show.
  return { text: escapeSlack(content.subject), blocks };
}

export function genericChatPayload(content: ChatContent): Record<string, unknown> {
  return {
    subject: content.subject,
    text: content.text,
    purpose: content.purpose,
    notification: content.notification,
    properties: content.properties,
  };
}

export function chatPayload(format: ChatFormat, content: ChatContent): Record<string, unknown> {
  switch (format) {
    case 'teams':
      return teamsPayload(content);
    case 'slack':
      return slackPayload(content);
    default:
      return genericChatPayload(content);
  }
}

export async function sendChat(webhookUrl: string, format: ChatFormat, content: ChatContent, options: SendOptions): Promise<void> {
  await postJson(webhookUrl, JSON.stringify(chatPayload(format, content)), {
    headers: { 'Idempotency-Key': options.idempotencyKey },
    timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
    outbound: options.outbound,
  });
}
